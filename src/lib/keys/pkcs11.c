/*
 * pkcs11.c — a master key that never leaves a PKCS#11 token (an HSM, a smart
 * card, SoftHSM for tests): the token generates it (sensitive, not
 * extractable) and seals and opens the tenant keys and the key check with
 * AES-256-GCM; gardien only ever holds their sealed form and the opened KEKs.
 *
 * The token is named by a PKCS#11 URI (RFC 7512), of which this subset:
 *   pkcs11:token=LABEL;object=PREFIX?module-path=/path/to/module.so&pin-value=PIN
 *   (or pin-source=/path/to/file, or the PIN in GARDIEN_PKCS11_PIN)
 * Master version n is the AES key object labelled "PREFIX-n" on the token;
 * on such a vault the erasure-epoch secret n (epoch.c) is "PREFIX-epoch-n",
 * made the same way, and destroyed on the token when its epochs end.
 * The module is loaded with dlopen (no link-time dependency), initialised once
 * per process (reference-counted), one session per vault handle.
 *
 * Sealed form, the size of gd__seal's so that the columns do not change:
 *   12-byte GCM IV | 12 zero bytes | ciphertext | 16-byte tag.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "lib/internal.h"

struct gd__p11 {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE session;
	char prefix[64];
};

static pthread_mutex_t mod_mu = PTHREAD_MUTEX_INITIALIZER;
static void *mod_dl;
static CK_FUNCTION_LIST_PTR mod_f;
static int mod_refs;
static char mod_path[512];

/* Percent-decodes `in` (n bytes) into out (cap); false if it does not fit. */
static bool pct(char *out, size_t cap, const char *in, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (o + 1 >= cap)
			return false;
		if (in[i] == '%' && i + 2 < n) {
			char h[3] = {in[i + 1], in[i + 2], 0};
			out[o++] = (char)strtol(h, NULL, 16);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = 0;
	return true;
}

struct uri {
	char token[64], object[64], module[512], pin[128], pin_source[512];
};

static int parse_uri(struct uri *u, const char *s)
{
	memset(u, 0, sizeof *u);
	if (!s || strncmp(s, "pkcs11:", 7) != 0 || strlen(s) > 2000)
		return gd__err(GD_EINVAL, "the token is not a PKCS#11 URI (pkcs11:token=…;object=…?module-path=…)");
	const char *p = s + 7;
	char sep = ';';
	while (*p) {
		const char *end = p + strcspn(p, sep == ';' ? ";?" : "&");
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq) {
			size_t kl = (size_t)(eq - p), vl = (size_t)(end - eq - 1);
			char *dst = NULL;
			size_t cap = 0;
			if (kl == 5 && !memcmp(p, "token", 5))
				dst = u->token, cap = sizeof u->token;
			else if (kl == 6 && !memcmp(p, "object", 6))
				dst = u->object, cap = sizeof u->object;
			else if (kl == 11 && !memcmp(p, "module-path", 11))
				dst = u->module, cap = sizeof u->module;
			else if (kl == 9 && !memcmp(p, "pin-value", 9))
				dst = u->pin, cap = sizeof u->pin;
			else if (kl == 10 && !memcmp(p, "pin-source", 10))
				dst = u->pin_source, cap = sizeof u->pin_source;
			if (dst && !pct(dst, cap, eq + 1, vl))
				return gd__err(GD_EINVAL, "a value of the PKCS#11 URI is too long");
		}
		if (!*end)
			break;
		if (*end == '?')
			sep = '&';
		p = end + 1;
	}
	if (!u->token[0] || !u->module[0])
		return gd__err(GD_EINVAL, "the PKCS#11 URI needs token=LABEL and ?module-path=/path/to/module.so");
	if (!u->object[0])
		snprintf(u->object, sizeof u->object, "gardien-master");
	return 0;
}

static int load_module(const char *path)
{
	int rc = 0;
	pthread_mutex_lock(&mod_mu);
	if (mod_refs && strcmp(mod_path, path) != 0) {
		rc = gd__err(GD_EINVAL, "one PKCS#11 module per process: %s is loaded already", mod_path);
	} else if (!mod_refs) {
		CK_C_GetFunctionList get;
		CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
		if (!(mod_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
			rc = gd__err(GD_EIO, "cannot load the PKCS#11 module %s", path);
		else if (!(get = (CK_C_GetFunctionList)dlsym(mod_dl, "C_GetFunctionList")) || get(&mod_f) != CKR_OK)
			rc = gd__err(GD_EIO, "%s is not a PKCS#11 module", path);
		else {
			CK_RV r = mod_f->C_Initialize(&args);
			if (r != CKR_OK && r != CKR_CRYPTOKI_ALREADY_INITIALIZED)
				rc = gd__err(GD_EIO, "the PKCS#11 module %s failed to start (0x%lx)", path, (unsigned long)r);
		}
		if (rc < 0 && mod_dl)
			dlclose(mod_dl), mod_dl = NULL;
		if (rc == 0)
			snprintf(mod_path, sizeof mod_path, "%s", path);
	}
	if (rc == 0)
		mod_refs++;
	pthread_mutex_unlock(&mod_mu);
	return rc;
}

static void unload_module(void)
{
	pthread_mutex_lock(&mod_mu);
	if (mod_refs && --mod_refs == 0) {
		mod_f->C_Finalize(NULL);
		dlclose(mod_dl);
		mod_dl = NULL, mod_f = NULL;
	}
	pthread_mutex_unlock(&mod_mu);
}

static bool label_is(const CK_UTF8CHAR label[32], const char *want)
{
	size_t n = strlen(want);
	if (n > 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if ((i < n && label[i] != (CK_UTF8CHAR)want[i]) || (i >= n && label[i] != ' '))
			return false;
	return true;
}

static int read_pin(const struct uri *u, char *pin, size_t cap)
{
	if (u->pin[0]) {
		snprintf(pin, cap, "%s", u->pin);
		return 0;
	}
	if (u->pin_source[0]) {
		FILE *f = fopen(u->pin_source, "r");
		if (!f)
			return gd__err(GD_EIO, "cannot read the PIN file %s", u->pin_source);
		size_t n = fread(pin, 1, cap - 1, f);
		fclose(f);
		pin[n] = 0;
		pin[strcspn(pin, "\r\n")] = 0;
		return 0;
	}
	const char *env = getenv("GARDIEN_PKCS11_PIN");
	if (!env)
		return gd__err(GD_EDENIED, "no PIN for the token: give pin-value or pin-source in the URI, or GARDIEN_PKCS11_PIN");
	snprintf(pin, cap, "%s", env);
	return 0;
}

void gd__p11_close(struct gd__p11 *p)
{
	if (!p)
		return;
	if (p->f) {
		p->f->C_Logout(p->session);
		p->f->C_CloseSession(p->session);
		unload_module();
	}
	gd__free(p);
}

int gd__p11_open(struct gd__p11 **out, const char *uri)
{
	struct uri u;
	char pin[128] = "";
	CK_SLOT_ID slots[64];
	CK_ULONG ns = 64;
	int rc = parse_uri(&u, uri);
	*out = NULL;
	if (rc < 0)
		return rc;
	struct gd__p11 *p = gd__calloc(1, sizeof *p);
	if (!p)
		return GD_ENOMEM;
	snprintf(p->prefix, sizeof p->prefix, "%s", u.object);
	if ((rc = load_module(u.module)) < 0) {
		gd__free(p);
		return rc;
	}
	p->f = mod_f;
	rc = gd__err(GD_ENOTFOUND, "no PKCS#11 token labelled \"%s\"", u.token);
	if (p->f->C_GetSlotList(CK_TRUE, slots, &ns) == CKR_OK) {
		for (CK_ULONG i = 0; i < ns; i++) {
			CK_TOKEN_INFO ti;
			if (p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || !label_is(ti.label, u.token))
				continue;
			rc = p->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &p->session) == CKR_OK
			             ? 0
			             : gd__err(GD_EIO, "cannot open a session on the token \"%s\"", u.token);
			break;
		}
	}
	if (rc == 0 && (rc = read_pin(&u, pin, sizeof pin)) == 0) {
		CK_RV r = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
		if (r != CKR_OK && r != CKR_USER_ALREADY_LOGGED_IN)
			rc = gd__err(GD_EDENIED, "the token \"%s\" refused the PIN (0x%lx)", u.token, (unsigned long)r);
	}
	gd__wipe(pin, sizeof pin);
	gd__wipe(&u, sizeof u);
	if (rc < 0) {
		if (p->session)
			p->f->C_CloseSession(p->session);
		unload_module();
		gd__free(p);
		return rc;
	}
	*out = p;
	return 0;
}

static void label_of(char *out, size_t cap, const struct gd__p11 *p, uint32_t version)
{
	/* Epoch secrets (epoch.c) are objects of their own kind: "PREFIX-epoch-N". */
	if (version & GD__P11_EPOCH)
		snprintf(out, cap, "%s-epoch-%u", p->prefix, (unsigned)(version & ~GD__P11_EPOCH));
	else
		snprintf(out, cap, "%s-%u", p->prefix, (unsigned)version);
}

static int find_key(struct gd__p11 *p, uint32_t version, CK_OBJECT_HANDLE *h)
{
	char label[96];
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ULONG n = 0;
	label_of(label, sizeof label, p, version);
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, strlen(label)}};
	if (p->f->C_FindObjectsInit(p->session, t, 2) != CKR_OK)
		return gd__err(GD_EIO, "cannot search the token");
	CK_RV r = p->f->C_FindObjects(p->session, h, 1, &n);
	p->f->C_FindObjectsFinal(p->session);
	if (r != CKR_OK || n != 1)
		return gd__err(GD_ENOTFOUND, "key %s is not on the token", label);
	return 0;
}

int gd__p11_generate(struct gd__p11 *p, uint32_t version)
{
	char label[96];
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG len = 32;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE h;
	CK_MECHANISM m = {CKM_AES_KEY_GEN, NULL, 0};
	label_of(label, sizeof label, p, version);
	if (find_key(p, version, &h) == 0)
		return gd__err(GD_EEXISTS, "the token already holds a key labelled %s", label);
	/* Sensitive and not extractable: the key never leaves the token. */
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_KEY_TYPE, &kt, sizeof kt},
		{CKA_VALUE_LEN, &len, sizeof len},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_SENSITIVE, &yes, sizeof yes},
		{CKA_EXTRACTABLE, &no, sizeof no},
		{CKA_ENCRYPT, &yes, sizeof yes},
		{CKA_DECRYPT, &yes, sizeof yes},
		{CKA_LABEL, label, strlen(label)},
	};
	CK_RV r = p->f->C_GenerateKey(p->session, &m, t, sizeof t / sizeof *t, &h);
	return r == CKR_OK ? 0 : gd__err(GD_EIO, "the token could not generate %s (0x%lx)", label, (unsigned long)r);
}

int gd__p11_destroy(struct gd__p11 *p, uint32_t version)
{
	CK_OBJECT_HANDLE h;
	int rc = find_key(p, version, &h);
	if (rc == GD_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	return p->f->C_DestroyObject(p->session, h) == CKR_OK ? 0 : gd__err(GD_EIO, "the token did not destroy a retired key");
}

int gd__p11_seal(struct gd__p11 *p, uint32_t version, unsigned char *out, const void *pt, size_t n,
                 const void *ad, size_t adlen)
{
	CK_OBJECT_HANDLE h;
	int rc = find_key(p, version, &h);
	if (rc < 0)
		return rc;
	memset(out, 0, GD__NONCE_SIZE);
	gd__random(out, 12);
	CK_GCM_PARAMS g = {.pIv = out, .ulIvLen = 12, .ulIvBits = 96, .pAAD = (CK_BYTE_PTR)ad, .ulAADLen = adlen, .ulTagBits = 128};
	CK_MECHANISM m = {CKM_AES_GCM, &g, sizeof g};
	CK_ULONG outlen = n + GD__TAG_SIZE;
	if (p->f->C_EncryptInit(p->session, &m, h) != CKR_OK ||
	    p->f->C_Encrypt(p->session, (CK_BYTE_PTR)pt, n, out + GD__NONCE_SIZE, &outlen) != CKR_OK ||
	    outlen != n + GD__TAG_SIZE)
		return gd__err(GD_EIO, "the token could not seal a key");
	return 0;
}

int gd__p11_open_sealed(struct gd__p11 *p, uint32_t version, unsigned char *out, const void *sealed, size_t n,
                        const void *ad, size_t adlen)
{
	CK_OBJECT_HANDLE h;
	if (n < GD__SEAL_OVERHEAD)
		return GD_ECORRUPT;
	int rc = find_key(p, version, &h);
	if (rc < 0)
		return rc;
	CK_GCM_PARAMS g = {.pIv = (CK_BYTE_PTR)sealed, .ulIvLen = 12, .ulIvBits = 96, .pAAD = (CK_BYTE_PTR)ad, .ulAADLen = adlen, .ulTagBits = 128};
	CK_MECHANISM m = {CKM_AES_GCM, &g, sizeof g};
	/* Some modules want room for the tag in the output too: opened into a
	 * buffer of the input's size, in secure memory, then copied. */
	CK_ULONG outlen = n - GD__NONCE_SIZE;
	unsigned char *tmp = gd__secure_alloc(outlen);
	if (!tmp)
		return GD_ENOMEM;
	CK_RV r = p->f->C_DecryptInit(p->session, &m, h);
	if (r == CKR_OK)
		r = p->f->C_Decrypt(p->session, (CK_BYTE_PTR)sealed + GD__NONCE_SIZE, n - GD__NONCE_SIZE, tmp, &outlen);
	rc = r == CKR_OK && outlen == n - GD__SEAL_OVERHEAD ? 0 : GD_ECORRUPT;
	if (rc == 0)
		memcpy(out, tmp, outlen);
	gd__secure_free(tmp);
	return rc;
}
