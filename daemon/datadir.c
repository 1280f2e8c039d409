#include "daemon/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

bool datadir_make(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return true;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	snprintf(err, errlen, "cannot create directory %s: %s", dir,
		 errno == EEXIST ? "a file of that name exists" : strerror(errno));
	return false;
}

int datadir_lock(const char *net_dir, char *err, size_t errlen)
{
	char path[4200], pid_text[32];
	int fd, len;

	snprintf(path, sizeof(path), "%s/ohmd.pid", net_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open lock file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = read(fd, pid_text, sizeof(pid_text) - 1);
		pid_text[n > 0 ? n : 0] = '\0';
		pid_text[strcspn(pid_text, "\n")] = '\0';
		snprintf(err, errlen,
			 "another ohmd (pid %s) is already running on %s; stop it first",
			 pid_text[0] ? pid_text : "unknown", net_dir);
		close(fd);
		return -1;
	}
	len = snprintf(pid_text, sizeof(pid_text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid_text, (size_t)len, 0) != len) {
		snprintf(err, errlen, "cannot write lock file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool read_exact(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

static bool create_secret(const secp256k1_context *secp, const char *path,
			  uint8_t secret[32], char *err, size_t errlen)
{
	char tmp_path[4200];
	int fd;

	do {
		randombytes_buf(secret, 32);
	} while (!secp256k1_ec_seckey_verify(secp, secret));

	/* Written to a temporary name, synced, then renamed: a crash leaves
	 * either no secret or a whole one, never half of one. */
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path);
	unlink(tmp_path);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (fd < 0 || write(fd, secret, 32) != 32 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write node secret %s: %s", tmp_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp_path);
		return false;
	}
	close(fd);
	if (rename(tmp_path, path) != 0) {
		snprintf(err, errlen, "cannot create node secret %s: %s", path, strerror(errno));
		unlink(tmp_path);
		return false;
	}
	/* Make the rename itself durable. */
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd >= 0) {
			fsync(dir_fd);
			close(dir_fd);
		}
	}
	return true;
}

bool node_secret_load_or_create(const secp256k1_context *secp, const char *path,
				uint8_t secret[32], bool *is_created,
				char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*is_created = false;
	if (fd < 0 && errno == ENOENT) {
		*is_created = true;
		return create_secret(secp, path, secret, err, errlen);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot read node secret %s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || st.st_size != 32 || !read_exact(fd, secret, 32)) {
		snprintf(err, errlen, "node secret %s is not 32 bytes; refusing to use or replace it",
			 path);
		close(fd);
		sodium_memzero(secret, 32);
		return false;
	}
	close(fd);
	if (!secp256k1_ec_seckey_verify(secp, secret)) {
		snprintf(err, errlen, "node secret %s is not a valid secp256k1 key", path);
		sodium_memzero(secret, 32);
		return false;
	}
	return true;
}
