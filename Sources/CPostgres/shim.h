#include <libpq-fe.h>
#include <poll.h>

// Waits up to `milliseconds` for `fd` to become readable (a notification, or the server closing): 1 when readable,
// 0 on timeout, -1 on error. poll(2) with one descriptor, kept here so that Swift does not build pollfd arrays.
static inline int vfl_wait_readable(int fd, int milliseconds) {
    struct pollfd entry = {.fd = fd, .events = POLLIN, .revents = 0};
    int n = poll(&entry, 1, milliseconds);
    return n < 0 ? -1 : (n > 0 ? 1 : 0);
}
