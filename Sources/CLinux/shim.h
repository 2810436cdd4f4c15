#ifndef VFL_CLINUX_SHIM_H
#define VFL_CLINUX_SHIM_H

// Linux calls that Swift cannot import: prctl(2) is variadic; epoll(7) and eventfd(2) are not in Swift's Glibc
// module, and `struct epoll_event` is packed on x86-64, so it never crosses into Swift (the helpers below copy it
// out to plain arrays). libc only, nothing to link.

#include <errno.h>
#include <stdint.h>

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#endif

// Asks the kernel to send `signal_number` to this process when its parent dies (prctl(2) PR_SET_PDEATHSIG).
// Returns 0, or -1 with errno set (ENOSYS where the call does not exist).
static inline int vfl_set_parent_death_signal(int signal_number) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal_number, 0UL, 0UL, 0UL);
#else
    (void)signal_number;
    errno = ENOSYS;
    return -1;
#endif
}

#ifdef __linux__
// Readiness flags of epoll_ctl(2), as plain values.
static const uint32_t VFL_EPOLLIN = EPOLLIN;
static const uint32_t VFL_EPOLLOUT = EPOLLOUT;
static const uint32_t VFL_EPOLLERR = EPOLLERR;
static const uint32_t VFL_EPOLLHUP = EPOLLHUP;
static const uint32_t VFL_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;

// epoll_create1(2) with EPOLL_CLOEXEC.
static inline int vfl_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

// epoll_ctl(2): `op` is EPOLL_CTL_ADD (1), EPOLL_CTL_DEL (2) or EPOLL_CTL_MOD (3); `data` comes back with each event.
static inline int vfl_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}

// epoll_wait(2) into two plain arrays of at most 256 elements: each ready descriptor's data and events.
static inline int vfl_epoll_wait(int epfd, uint64_t *data, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int n = epoll_wait(epfd, ready, capacity, timeout_ms);
    for (int i = 0; i < n; i++) {
        data[i] = ready[i].data.u64;
        events[i] = ready[i].events;
    }
    return n;
}

// accept4(2) is declared by <sys/socket.h> only under _GNU_SOURCE, which Swift's Glibc module is built without.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

// accept4(2) with SOCK_NONBLOCK and SOCK_CLOEXEC: the new connection's descriptor, or -1 with errno set.
static inline int vfl_accept(int listener, struct sockaddr_storage *address, socklen_t *length) {
    return accept4(listener, (struct sockaddr *)address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

// eventfd(2), non-blocking and close-on-exec: a counter another thread bumps to wake an epoll loop.
static inline int vfl_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
#endif

#endif
