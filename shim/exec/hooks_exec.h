/*
 * hooks_exec.h - the exec family and posix_spawn under names of our own;
 * the export_* file of each OS maps the libc names onto them.
 */
#ifndef BINDIF_HOOKS_EXEC_H
#define BINDIF_HOOKS_EXEC_H

#include <spawn.h>
#include <stdarg.h>
#include <sys/types.h>

int bindif_execve(const char *path, char *const argv[], char *const envp[]);
int bindif_execv(const char *path, char *const argv[]);
int bindif_execvpe(const char *file, char *const argv[], char *const envp[]);
int bindif_execvp(const char *file, char *const argv[]);
int bindif_fexecve(int fd, char *const argv[], char *const envp[]);
int bindif_execveat(int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags);

/* execl, execle (the environment after the NULL), execlp (PATH). */
enum bindif_execl {
	EXECL_PLAIN,
	EXECL_ENV,
	EXECL_SEARCH
};
int bindif_execl(enum bindif_execl how, const char *path, const char *arg,
    va_list ap);

/* The variadic entry point that unpacks into bindif_execl, for the export
 * file of each OS: HOOK_EXECL(EXPORT int execl, EXECL_PLAIN). */
#define HOOK_EXECL(decl, how)                          \
	decl(const char *path, const char *arg, ...)   \
	{                                              \
		va_list ap;                            \
		int rc;                                \
                                                       \
		va_start(ap, arg);                     \
		rc = bindif_execl(how, path, arg, ap); \
		va_end(ap);                            \
		return rc;                             \
	}

int bindif_posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[]);
int bindif_posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[]);

#endif
