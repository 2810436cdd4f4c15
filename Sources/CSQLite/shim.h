#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type vfl_sqlite_transient(void) { return SQLITE_TRANSIENT; }

#include <sys/vfs.h>

// The filesystem type (statfs(2) f_type) holding `path`, or -1: SQLite's locking is unsafe on network filesystems.
static inline long vfl_filesystem_type(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return (long)info.f_type;
}
