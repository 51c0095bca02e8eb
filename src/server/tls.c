/*
 * tls.c — the server's certificate, key and client CA, reloadable on SIGHUP.
 *
 * libmicrohttpd asks for the certificate at every handshake through a GnuTLS
 * retrieve callback (MHD_OPTION_HTTPS_CERT_CALLBACK) instead of holding it in
 * its own credentials, so a new certificate can take the place of the old one
 * while the server runs: connections already established keep their session
 * and are not touched; the next handshake sees the new certificate. Client
 * certificates (mTLS) are verified against our own trust list, which a reload
 * replaces as well.
 *
 * Invariants:
 * - `current` always holds a complete, checked set (chain, matching key, trust
 *   list when --client-ca is given): a reload loads and checks the new files
 *   fully before swapping, and a bad set leaves the running one in place.
 * - A set once published is never freed before the server stops: a handshake
 *   on a worker thread may still hold the pointers the callback returned
 *   (GnuTLS does not free what a retrieve_function2 callback returns). Each
 *   reload keeps a few kilobytes until exit; reloads are an operator's act.
 * - Key bytes are read into memory wiped before it is freed; messages name the
 *   files and GnuTLS's reason, never their content.
 */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "tls.h"

#define TLS_FILE_MAX (64 * 1024) /* PEM files: a chain, a key or a CA bundle */
#define TLS_CHAIN_MAX 8

struct tls_set {
	gnutls_pcert_st chain[TLS_CHAIN_MAX];
	unsigned nchain;
	gnutls_privkey_t key;
	gnutls_x509_trust_list_t trust; /* NULL without --client-ca */
	struct tls_set *older;          /* the sets this one replaced, freed at exit */
};

static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_set *current;
static const char *cert_path, *key_path, *ca_path;

/* Reads a whole file of at most TLS_FILE_MAX bytes; NUL-terminated. */
static int read_file(const char *path, gnutls_datum_t *out, char *why, size_t whysz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	unsigned char *buf = NULL;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(why, whysz, "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > TLS_FILE_MAX) {
		snprintf(why, whysz, "%s is not a PEM file of at most 64 KiB", path);
		goto fail;
	}
	size_t n = (size_t)st.st_size, got = 0;
	if (!(buf = malloc(n + 1))) {
		snprintf(why, whysz, "out of memory reading %s", path);
		goto fail;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(why, whysz, "cannot read %s: %s", path, r < 0 ? strerror(errno) : "cut short");
			goto fail;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	out->data = buf, out->size = (unsigned)n;
	return 0;
fail:
	if (buf) {
		explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static void wipe_datum(gnutls_datum_t *d)
{
	if (d->data) {
		explicit_bzero(d->data, d->size);
		free(d->data);
	}
	d->data = NULL, d->size = 0;
}

static void set_free(struct tls_set *s)
{
	while (s) {
		struct tls_set *older = s->older;
		for (unsigned i = 0; i < s->nchain; i++)
			gnutls_pcert_deinit(&s->chain[i]);
		if (s->key)
			gnutls_privkey_deinit(s->key);
		if (s->trust)
			gnutls_x509_trust_list_deinit(s->trust, 1);
		free(s);
		s = older;
	}
}

/* The key is the certificate's: their public keys are the same. */
static bool key_matches(gnutls_pcert_st *leaf, gnutls_privkey_t key)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
	bool ok = gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
	          gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a) == 0 &&
	          gnutls_pubkey_export2(leaf->pubkey, GNUTLS_X509_FMT_DER, &b) == 0 && a.size == b.size &&
	          memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
	return ok;
}

/* Loads and checks the three files into a new set, or says why not. */
static struct tls_set *set_load(char *why, size_t whysz)
{
	gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0}, ca = {NULL, 0};
	struct tls_set *s = calloc(1, sizeof *s);
	int rc = GNUTLS_E_MEMORY_ERROR;
	if (!s) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	if (read_file(cert_path, &cert, why, whysz) < 0 || read_file(key_path, &key, why, whysz) < 0 ||
	    (ca_path && read_file(ca_path, &ca, why, whysz) < 0))
		goto fail;
	s->nchain = TLS_CHAIN_MAX;
	rc = gnutls_pcert_list_import_x509_raw(s->chain, &s->nchain, &cert, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0 || s->nchain == 0) {
		s->nchain = 0;
		snprintf(why, whysz, "%s holds no usable certificate (PEM, at most %d in the chain): %s", cert_path,
		         TLS_CHAIN_MAX, rc < 0 ? gnutls_strerror(rc) : "empty");
		goto fail;
	}
	if ((rc = gnutls_privkey_init(&s->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(s->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(why, whysz, "%s is not a usable private key (PEM, unencrypted): %s", key_path,
		         gnutls_strerror(rc));
		goto fail;
	}
	if (!key_matches(&s->chain[0], s->key)) {
		snprintf(why, whysz, "the key %s is not the key of the certificate %s", key_path, cert_path);
		goto fail;
	}
	gnutls_x509_crt_t leaf;
	if (gnutls_x509_crt_init(&leaf) == 0) {
		time_t now = time(NULL), until = (time_t)-1;
		if (gnutls_x509_crt_import(leaf, &s->chain[0].cert, GNUTLS_X509_FMT_DER) == 0)
			until = gnutls_x509_crt_get_expiration_time(leaf);
		gnutls_x509_crt_deinit(leaf);
		if (until != (time_t)-1 && until < now) {
			snprintf(why, whysz, "the certificate %s has expired", cert_path);
			goto fail;
		}
	}
	if (ca_path) {
		if (gnutls_x509_trust_list_init(&s->trust, 0) < 0) {
			snprintf(why, whysz, "out of memory");
			goto fail;
		}
		rc = gnutls_x509_trust_list_add_trust_mem(s->trust, &ca, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (rc <= 0) {
			snprintf(why, whysz, "%s holds no usable CA certificate (PEM)%s%s", ca_path, rc < 0 ? ": " : "",
			         rc < 0 ? gnutls_strerror(rc) : "");
			goto fail;
		}
	}
	wipe_datum(&cert), wipe_datum(&key), wipe_datum(&ca);
	return s;
fail:
	wipe_datum(&cert), wipe_datum(&key), wipe_datum(&ca);
	set_free(s);
	return NULL;
}

int server_tls_load(const char *cert, const char *key, const char *client_ca, char *why, size_t whysz)
{
	cert_path = cert, key_path = key, ca_path = client_ca;
	struct tls_set *s = set_load(why, whysz);
	if (!s)
		return -1;
	pthread_mutex_lock(&tls_lock);
	s->older = current;
	current = s;
	pthread_mutex_unlock(&tls_lock);
	return 0;
}

int server_tls_reload(void)
{
	char why[512];
	if (!cert_path)
		return 0; /* plain HTTP: nothing to reload */
	struct tls_set *s = set_load(why, sizeof why);
	if (!s) {
		fprintf(stderr, "gardien: SIGHUP: keeping the current certificate: %s\n", why);
		return -1;
	}
	pthread_mutex_lock(&tls_lock);
	s->older = current;
	current = s;
	pthread_mutex_unlock(&tls_lock);
	fprintf(stderr, "gardien: SIGHUP: certificate %s%s%s reloaded\n", cert_path, ca_path ? " and client CA " : "",
	        ca_path ? ca_path : "");
	return 0;
}

void server_tls_release(void)
{
	pthread_mutex_lock(&tls_lock);
	set_free(current);
	current = NULL;
	pthread_mutex_unlock(&tls_lock);
	cert_path = key_path = ca_path = NULL;
}

int server_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                        const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                        unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	(void)session, (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
	pthread_mutex_lock(&tls_lock);
	struct tls_set *s = current;
	pthread_mutex_unlock(&tls_lock);
	if (!s)
		return -1;
	*pcert = s->chain;
	*pcert_length = s->nchain;
	*privkey = s->key;
	return 0;
}

bool server_tls_client_ok(gnutls_session_t session)
{
	unsigned n = 0, status = 1;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
	gnutls_x509_crt_t chain[TLS_CHAIN_MAX];
	unsigned k = 0;
	if (!peers || !n || gnutls_certificate_type_get(session) != GNUTLS_CRT_X509)
		return false;
	pthread_mutex_lock(&tls_lock);
	struct tls_set *s = current;
	pthread_mutex_unlock(&tls_lock);
	if (!s || !s->trust)
		return false;
	for (; k < n && k < TLS_CHAIN_MAX; k++) {
		if (gnutls_x509_crt_init(&chain[k]) < 0)
			goto done;
		if (gnutls_x509_crt_import(chain[k], &peers[k], GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(chain[k]);
			goto done;
		}
	}
	/* As gnutls_certificate_verify_peers2 does: the chain up to a trusted
	 * CA, signatures and validity periods checked. */
	if (gnutls_x509_trust_list_verify_crt(s->trust, chain, k, 0, &status, NULL) < 0)
		status = 1;
done:
	for (unsigned i = 0; i < k; i++)
		gnutls_x509_crt_deinit(chain[i]);
	return status == 0 && k == n;
}
