#ifndef DPWALL_CSYSRANDOM_SHIM_H
#define DPWALL_CSYSRANDOM_SHIM_H
// The operating system's random bytes: getrandom(2) on Linux, getentropy(3) elsewhere. A thin wrapper because
// Swift's Glibc module does not import <sys/random.h>.
#include <errno.h>
#include <stddef.h>
#if defined(__linux__)
#include <sys/random.h>
#else
#include <unistd.h>
#endif

/// Fills `buffer` with `count` bytes from the kernel's CSPRNG, retrying on EINTR and short reads.
/// Returns 0, or the errno of the failure.
static inline int dpwall_os_random(void *buffer, size_t count) {
    unsigned char *bytes = (unsigned char *)buffer;
    while (count > 0) {
#if defined(__linux__)
        ssize_t got = getrandom(bytes, count, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
#else
        size_t got = count > 256 ? 256 : count;
        if (getentropy(bytes, got) != 0) return errno;
#endif
        bytes += got;
        count -= (size_t)got;
    }
    return 0;
}
#endif
