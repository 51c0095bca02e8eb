/*
 * tls.h — the server's certificate, key and client CA, reloadable on SIGHUP
 * (tls.c). http.c hands server_tls_retrieve to libmicrohttpd as its
 * certificate callback and asks server_tls_client_ok about client
 * certificates; the main thread calls server_tls_reload on SIGHUP.
 */
#ifndef GD_SERVER_TLS_H
#define GD_SERVER_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

/* Loads the PEM files (the paths must outlive the server); -1 and why when
 * one is unreadable, malformed, expired or the key is not the certificate's. */
int server_tls_load(const char *cert, const char *key, const char *client_ca, char *why, size_t whysz);
/* Loads the same files again; on any problem keeps the current set and logs
 * why on stderr (file names and GnuTLS's reason, never their content). */
int server_tls_reload(void);
/* Frees every set loaded, once the daemon has stopped. */
void server_tls_release(void);
/* gnutls_certificate_retrieve_function2: the current chain and key. */
int server_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                        const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                        unsigned int *pcert_length, gnutls_privkey_t *privkey);
/* mTLS: the session's peer chain verifies against the current client CA. */
bool server_tls_client_ok(gnutls_session_t session);

#endif
