#ifndef VFL_CLINUX_SHIM_H
#define VFL_CLINUX_SHIM_H

// Linux calls that Swift cannot import: prctl(2) is variadic. libc only, nothing to link.

#include <errno.h>

#ifdef __linux__
#include <sys/prctl.h>
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

#endif
