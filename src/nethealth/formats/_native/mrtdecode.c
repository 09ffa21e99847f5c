/*
 * nethealth MRT decoder: RFC 6396 (TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET, deprecated
 * type 5 BGP), RFC 8050 ADD-PATH, RFC 6793 AS4_PATH merging, decoded straight into column
 * buffers that the Python side wraps as Arrow arrays without per-element Python objects.
 *
 * Streaming: feed() appends decompressed bytes; decode() consumes every complete record and
 * returns a batch of columns once `batch_size` elements are buffered (or at the end).
 * Memory is bounded by one input chunk + one record + one batch, whatever the file size.
 *
 * Damaged input: strict mode raises DecodeError(message, offset, record_index); lenient mode
 * skips the record (or, when a header is implausible, scans forward to the next plausible
 * header) and counts skipped records and bytes.
 *
 * Written from RFC 6396 / 4271 / 4760 / 6793 / 8050 / 8092 / 1997; no third-party code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/socket.h>

/* ------------------------------------------------------------------ constants */
#define MRT_BGP 5
#define MRT_TABLE_DUMP 12
#define MRT_TABLE_DUMP_V2 13
#define MRT_BGP4MP 16
#define MRT_BGP4MP_ET 17

/* record kinds (dictionary indices of the record_type column) */
enum {
    RT_TABLE_DUMP = 0, RT_TABLE_DUMP2, RT_TABLE_DUMP2_AP, RT_BGP4MP, RT_BGP4MP_ET, RT_BGP,
    RT_BGP4MP_AP, RT_BGP4MP_ET_AP, RT_BGP4MP_LOCAL, RT_BGP4MP_ET_LOCAL, RT_BGP4MP_LOCAL_AP,
    RT_BGP4MP_ET_LOCAL_AP, RT_BGP4MP_ENTRY, RT_COUNT
};
/* element kinds */
enum { EL_RIB = 0, EL_ANNOUNCE = 1, EL_WITHDRAW = 2, EL_STATE = 3 };

#define MAX_RECORD_LEN (64u * 1024u * 1024u)  /* plausibility bound for a header's length */
#define RESYNC_TS_WINDOW (31u * 86400u)
#define RESYNC_SLACK 8
#define RESYNC_MAX_LEN (4u * 1024u * 1024u)  /* a resynchronised record is no bigger */

/* ------------------------------------------------------------------ growable buffers */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf_t;

static int buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < b->len + extra) ncap *= 2;
    uint8_t *np = (uint8_t *)PyMem_RawRealloc(b->p, ncap);
    if (!np) return -1;
    b->p = np;
    b->cap = ncap;
    return 0;
}

/* Column buffers. Every buffer is listed so a failed record can be rolled back by length. */
enum {
    C_RTYPE, C_ELEM, C_TS, C_PEER, C_PEER_ASN,
    C_PFX_VALID, C_AF, C_PLEN, C_START, C_END, C_START_LO, C_END_LO, C_PFX_OFF, C_PFX_DATA,
    C_PATHID, C_PATHID_VALID,
    C_ASP_VALID, C_ASP_OFF, C_ASP_VAL,
    C_ASF_VALID, C_ASF_OFF, C_ASF_VAL,
    C_ORIG_OFF, C_ORIG_VAL,
    C_NH_VALID, C_NH_OFF, C_NH_DATA,
    C_ORIGIN, C_ORIGIN_VALID,
    C_MED, C_MED_VALID, C_LP, C_LP_VALID,
    C_COMM_VALID, C_COMM_OFF, C_COMM_VAL,
    C_LCOMM_VALID, C_LCOMM_OFF, C_LCOMM_VAL,
    C_ATOMIC,
    C_AGG_VALID, C_AGG_ASN, C_AGG_IP_OFF, C_AGG_IP_DATA,
    C_STATE_VALID, C_OLD_STATE, C_NEW_STATE,
    C_NBUF
};
static const char *const COL_NAMES[C_NBUF] = {
    "record_type", "elem", "ts", "peer", "peer_asn",
    "pfx_valid", "af", "plen", "start", "end", "start_lo", "end_lo", "pfx_off", "pfx_data",
    "path_id", "path_id_valid",
    "as_path_valid", "as_path_off", "as_path_val",
    "as_flags_valid", "as_flags_off", "as_flags_val",
    "origins_off", "origins_val",
    "nh_valid", "nh_off", "nh_data",
    "origin", "origin_valid",
    "med", "med_valid", "lp", "lp_valid",
    "comm_valid", "comm_off", "comm_val",
    "lcomm_valid", "lcomm_off", "lcomm_val",
    "atomic",
    "agg_valid", "agg_asn", "agg_ip_off", "agg_ip_data",
    "state_valid", "old_state", "new_state",
};
/* bytes per element of the fixed-width columns (0: variable-width data) */
static const uint8_t FIXED_W[C_NBUF] = {
    [C_RTYPE] = 1, [C_ELEM] = 1, [C_TS] = 8, [C_PEER] = 4, [C_PEER_ASN] = 4,
    [C_PFX_VALID] = 1, [C_AF] = 1, [C_PLEN] = 1, [C_START] = 8, [C_END] = 8, [C_START_LO] = 8,
    [C_END_LO] = 8, [C_PFX_OFF] = 4, [C_PATHID] = 4, [C_PATHID_VALID] = 1, [C_ASP_VALID] = 1,
    [C_ASP_OFF] = 4, [C_ASF_VALID] = 1, [C_ASF_OFF] = 4, [C_ORIG_OFF] = 4, [C_NH_VALID] = 1,
    [C_NH_OFF] = 4, [C_ORIGIN] = 1, [C_ORIGIN_VALID] = 1, [C_MED] = 4, [C_MED_VALID] = 1,
    [C_LP] = 4, [C_LP_VALID] = 1, [C_COMM_VALID] = 1, [C_COMM_OFF] = 4, [C_LCOMM_VALID] = 1,
    [C_LCOMM_OFF] = 4, [C_ATOMIC] = 1, [C_AGG_VALID] = 1, [C_AGG_ASN] = 4, [C_AGG_IP_OFF] = 4,
    [C_STATE_VALID] = 1, [C_OLD_STATE] = 2, [C_NEW_STATE] = 2,
};
/* No record yields more elements than this: TABLE_DUMP_V2 entry counts are 16-bit and a BGP
 * message (RFC 4271 / 8654) is at most 65,535 bytes, one byte per /0 prefix at the least. */
#define MAX_RECORD_ELEMENTS 65536

/* validity / boolean columns: one byte per element while building, bit-packed on output */
static const int PACKED[] = {
    C_PFX_VALID, C_PATHID_VALID, C_ASP_VALID, C_ASF_VALID, C_NH_VALID, C_ORIGIN_VALID,
    C_MED_VALID, C_LP_VALID, C_COMM_VALID, C_LCOMM_VALID, C_ATOMIC, C_AGG_VALID, C_STATE_VALID,
};
/* offsets columns (int32, n+1 entries; the leading 0 is written at batch start) */
static const int OFFSETS[] = {
    C_PFX_OFF, C_ASP_OFF, C_ASF_OFF, C_ORIG_OFF, C_NH_OFF, C_COMM_OFF, C_LCOMM_OFF, C_AGG_IP_OFF,
};
#define NOFFS ((int)(sizeof(OFFSETS) / sizeof(OFFSETS[0])))

/* ------------------------------------------------------------------ text formatting */
static int fmt_u32(char *out, uint32_t v) {
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* "0".."255" with their lengths, built once at import */
static char OCTET_TXT[256][4];
static uint8_t OCTET_LEN[256];
static void init_octets(void) {
    for (int i = 0; i < 256; i++) OCTET_LEN[i] = (uint8_t)fmt_u32(OCTET_TXT[i], (uint32_t)i);
}

static int fmt_ipv4(char *out, const uint8_t *a) {
    int n = 0;
    for (int i = 0; i < 4; i++) {
        if (i) out[n++] = '.';
        memcpy(out + n, OCTET_TXT[a[i]], 4);
        n += OCTET_LEN[a[i]];
    }
    return n;
}

static int fmt_hex16(char *out, unsigned v) {
    static const char H[] = "0123456789abcdef";
    int n = 0, started = 0;
    for (int s = 12; s >= 0; s -= 4) {
        unsigned d = (v >> s) & 0xf;
        if (d || started || s == 0) {
            out[n++] = H[d];
            started = 1;
        }
    }
    return n;
}

/* RFC 5952-style text as inet_ntop(3) writes it (embedded IPv4 for ::ffff:0:0/96 and ::/96). */
static int fmt_ipv6(char *out, const uint8_t *a) {
    unsigned w[8];
    for (int i = 0; i < 8; i++) w[i] = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
    int best = -1, bestlen = 0, cur = -1, curlen = 0;
    for (int i = 0; i < 8; i++) {
        if (w[i] == 0) {
            if (cur < 0) { cur = i; curlen = 1; } else curlen++;
        } else if (cur >= 0) {
            if (curlen > bestlen) { best = cur; bestlen = curlen; }
            cur = -1;
        }
    }
    if (cur >= 0 && curlen > bestlen) { best = cur; bestlen = curlen; }
    if (bestlen < 2) best = -1;
    int n = 0;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + bestlen) {
            if (i == best) out[n++] = ':';
            continue;
        }
        if (i) out[n++] = ':';
        if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
            n += fmt_ipv4(out + n, a + 12);
            return n;
        }
        n += fmt_hex16(out + n, w[i]);
    }
    if (best >= 0 && best + bestlen == 8) out[n++] = ':';
    return n;
}

/* ------------------------------------------------------------------ decoder state */
typedef struct {
    uint8_t af;  /* 4 or 6 */
    uint8_t ip[16];
} ipkey_t;

typedef struct {
    int af;
    uint8_t ip[16];
    uint32_t asn;
    int32_t dict_id;
} pit_peer_t;

typedef struct {
    uint8_t af, len;
    uint8_t addr[16];
    char s[64];
    int slen;
    uint64_t start, end, start_lo, end_lo;
} pfx_t;

typedef struct {
    int origin;  /* -1 absent */
    int has_med, has_lp, atomic, has_agg, has_as4agg, has_nh;
    uint32_t med, lp, agg_as, as4agg_as;
    uint8_t agg_ip[4], as4agg_ip[4], nh[4];
    const uint8_t *aspath, *as4path, *comm, *lcomm;
    int aspath_len, as4path_len, comm_len, lcomm_len;
    int has_aspath, has_as4path, has_comm, has_lcomm;
    /* MP_REACH */
    int has_mpr, mpr_afi, mpr_safi, mpr_nh_af;
    uint8_t mpr_nh[16];
    const uint8_t *mpr_nlri;
    int mpr_nlri_len;
    /* MP_UNREACH */
    int has_mpu, mpu_afi, mpu_safi;
    const uint8_t *mpu_nlri;
    int mpu_nlri_len;
} attrs_t;

typedef struct {
    PyObject_HEAD
    /* input */
    uint8_t *in;
    size_t in_len, in_cap, in_pos;
    uint64_t in_base;  /* stream offset of in[0] */
    /* options */
    int strict;
    Py_ssize_t batch_size;
    /* output */
    buf_t col[C_NBUF];
    Py_ssize_t n;
    Py_ssize_t cap_elems; /* elements the fixed-width columns have room for */
    /* peers dictionary */
    buf_t peer_off, peer_data;  /* int32 offsets (n+1) + text */
    int32_t npeers;
    ipkey_t *ph_keys;
    int32_t *ph_vals;
    size_t ph_cap, ph_used;
    /* TABLE_DUMP_V2 peer index table */
    pit_peer_t *pit;
    int npit;
    int have_pit;
    /* scratch for AS paths and communities */
    uint32_t *path;
    uint8_t *pflags;
    size_t path_cap;
    int path_n, path_plain;
    uint32_t *orig;
    size_t orig_cap;
    int orig_n;
    uint32_t *tmpa;
    uint8_t *tmpt;
    size_t tmp_cap;
    uint32_t *commv;
    size_t comm_cap;
    int comm_n;
    uint32_t *lcommv;
    size_t lcomm_cap;
    int lcomm_n;
    char nh_s[64];
    int nh_slen;
    char agg_s[16];
    int agg_slen;
    /* per record context */
    int64_t ts_us;
    int32_t peer_id;
    uint32_t peer_asn;
    uint32_t last_ts;
    int have_last_ts;
    /* stats */
    uint64_t records, records_ok, skipped_records, skipped_bytes, unsupported_records,
        elements_total, resyncs;
    struct { uint64_t off, rec; char msg[256]; } issues[100];
    int nissues;
    uint64_t err_off, err_rec, rec_off, partial_records;
    /* the record the input ends inside (final decode): offset, bytes present, announced
     * length (0 when even its 12-byte header is incomplete); tail_off < 0: none */
    int64_t tail_off;
    uint64_t tail_present, tail_announced;
    /* lenient resynchronisation in progress (it may span feed() calls): where it began, why,
     * and for a record cut by the end of the input its header's length and the bytes left */
    int scanning, scan_cut;
    uint64_t scan_off, scan_len, scan_avail;
    char scan_err[256];
    char err[256];
} Decoder;

static PyObject *DecodeError;

/* ------------------------------------------------------------------ small helpers */
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t rd32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#define FAIL(...)                                          \
    do {                                                   \
        snprintf(d->err, sizeof(d->err), __VA_ARGS__);     \
        return -1;                                         \
    } while (0)
#define NOMEM()                                            \
    do {                                                   \
        snprintf(d->err, sizeof(d->err), "out of memory"); \
        return -2;                                         \
    } while (0)

static int grow_u32(uint32_t **p, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    uint32_t *np = (uint32_t *)PyMem_RawRealloc(*p, nc * sizeof(uint32_t));
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

/* fixed-width columns: capacity for batch_size + MAX_RECORD_ELEMENTS is reserved per batch */
#define PUTF(c, T, v)                                             \
    do {                                                          \
        buf_t *b_ = &d->col[c];                                   \
        T v_ = (T)(v);                                            \
        memcpy(b_->p + b_->len, &v_, sizeof(T));                  \
        b_->len += sizeof(T);                                     \
    } while (0)
#define PUTN(c, src, nbytes)                                      \
    do {                                                          \
        buf_t *b_ = &d->col[c];                                   \
        size_t nb_ = (size_t)(nbytes);                            \
        if (buf_reserve(b_, nb_)) NOMEM();                        \
        if (nb_) memcpy(b_->p + b_->len, (src), nb_);             \
        b_->len += nb_;                                           \
    } while (0)

/* close the current element's entry of a variable-length column: offsets[i+1] */
#define CLOSE_OFF(coff, cdata, unit) PUTF(coff, int32_t, (int32_t)(d->col[cdata].len / (unit)))

/* ------------------------------------------------------------------ peers dictionary */
static uint64_t ipkey_hash(const ipkey_t *k) {
    uint64_t h = 1469598103934665603ULL ^ k->af;
    for (int i = 0; i < 16; i++) {
        h ^= k->ip[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int peer_add_text(Decoder *d, const ipkey_t *k) {
    char s[64];
    int n = k->af == 4 ? fmt_ipv4(s, k->ip) : fmt_ipv6(s, k->ip);
    if (buf_reserve(&d->peer_data, (size_t)n) || buf_reserve(&d->peer_off, 4)) return -1;
    memcpy(d->peer_data.p + d->peer_data.len, s, (size_t)n);
    d->peer_data.len += (size_t)n;
    int32_t off = (int32_t)d->peer_data.len;
    memcpy(d->peer_off.p + d->peer_off.len, &off, 4);
    d->peer_off.len += 4;
    return 0;
}

static int32_t peer_lookup(Decoder *d, int af, const uint8_t *ip) {
    ipkey_t k;
    memset(&k, 0, sizeof(k));
    k.af = (uint8_t)af;
    memcpy(k.ip, ip, af == 4 ? 4 : 16);
    if ((d->ph_used + 1) * 2 > d->ph_cap) {
        size_t nc = d->ph_cap ? d->ph_cap * 2 : 64;
        ipkey_t *nk = (ipkey_t *)PyMem_RawCalloc(nc, sizeof(ipkey_t));
        int32_t *nv = (int32_t *)PyMem_RawMalloc(nc * sizeof(int32_t));
        if (!nk || !nv) {
            PyMem_RawFree(nk);
            PyMem_RawFree(nv);
            return -1;
        }
        for (size_t i = 0; i < nc; i++) nv[i] = -1;
        for (size_t i = 0; i < d->ph_cap; i++) {
            if (d->ph_vals[i] < 0) continue;
            size_t j = ipkey_hash(&d->ph_keys[i]) & (nc - 1);
            while (nv[j] >= 0) j = (j + 1) & (nc - 1);
            nk[j] = d->ph_keys[i];
            nv[j] = d->ph_vals[i];
        }
        PyMem_RawFree(d->ph_keys);
        PyMem_RawFree(d->ph_vals);
        d->ph_keys = nk;
        d->ph_vals = nv;
        d->ph_cap = nc;
    }
    size_t j = ipkey_hash(&k) & (d->ph_cap - 1);
    while (d->ph_vals[j] >= 0) {
        if (memcmp(&d->ph_keys[j], &k, sizeof(k)) == 0) return d->ph_vals[j];
        j = (j + 1) & (d->ph_cap - 1);
    }
    if (peer_add_text(d, &k)) return -1;
    d->ph_keys[j] = k;
    d->ph_vals[j] = d->npeers;
    d->ph_used++;
    return d->npeers++;
}

/* ------------------------------------------------------------------ prefixes */
static void pfx_finish(pfx_t *p) {
    /* host bits beyond the length are cleared: the text and ranges name the network */
    int full = p->len / 8, rem = p->len % 8;
    if (full < 16) {
        if (rem) p->addr[full] &= (uint8_t)(0xff << (8 - rem));
        for (int i = full + (rem ? 1 : 0); i < 16; i++) p->addr[i] = 0;
    }
    p->slen = p->af == 4 ? fmt_ipv4(p->s, p->addr) : fmt_ipv6(p->s, p->addr);
    p->s[p->slen++] = '/';
    p->slen += fmt_u32(p->s + p->slen, p->len);
    if (p->af == 4) {
        uint32_t a = rd32(p->addr);
        uint32_t mask = p->len == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - p->len));
        p->start = a & mask;
        p->end = (a & mask) | ~mask;
        p->start_lo = p->end_lo = 0;
    } else {
        uint64_t hi = 0, lo = 0;
        for (int i = 0; i < 8; i++) hi = (hi << 8) | p->addr[i];
        for (int i = 8; i < 16; i++) lo = (lo << 8) | p->addr[i];
        uint64_t mhi, mlo;
        if (p->len == 0) { mhi = 0; mlo = 0; }
        else if (p->len <= 64) { mhi = p->len == 64 ? ~0ULL : ~0ULL << (64 - p->len); mlo = 0; }
        else { mhi = ~0ULL; mlo = p->len == 128 ? ~0ULL : ~0ULL << (128 - p->len); }
        p->start = hi & mhi;
        p->end = (hi & mhi) | ~mhi;
        p->start_lo = lo & mlo;
        p->end_lo = (lo & mlo) | ~mlo;
    }
}

/* read one NLRI prefix (RFC 4271 4.3) at *pp, bounded by end; returns -1 on malformed */
static int read_prefix(Decoder *d, const uint8_t **pp, const uint8_t *end, int af, pfx_t *out) {
    const uint8_t *p = *pp;
    if (p >= end) FAIL("truncated NLRI: missing prefix length");
    int len = *p++;
    int maxlen = af == 4 ? 32 : 128;
    if (len > maxlen) FAIL("NLRI prefix length %d exceeds %d", len, maxlen);
    int nb = (len + 7) / 8;
    if (end - p < nb) FAIL("truncated NLRI: prefix /%d needs %d bytes, %d left", len, nb,
                           (int)(end - p));
    memset(out->addr, 0, 16);
    memcpy(out->addr, p, (size_t)nb);
    out->af = (uint8_t)af;
    out->len = (uint8_t)len;
    *pp = p + nb;
    pfx_finish(out);
    return 0;
}

/* ------------------------------------------------------------------ attributes */
static int parse_attrs(Decoder *d, const uint8_t *p, const uint8_t *end, attrs_t *a,
                       int rib_entry) {
    memset(a, 0, sizeof(*a));
    a->origin = -1;
    while (p < end) {
        if (end - p < 3) FAIL("truncated path attribute header");
        int flags = p[0], type = p[1];
        size_t len;
        if (flags & 0x10) {
            if (end - p < 4) FAIL("truncated extended-length attribute header");
            len = rd16(p + 2);
            p += 4;
        } else {
            len = p[2];
            p += 3;
        }
        if ((size_t)(end - p) < len)
            FAIL("path attribute %d length %zu overruns the attributes (%zu left)", type, len,
                 (size_t)(end - p));
        const uint8_t *v = p;
        p += len;
        switch (type) {
        case 1: /* ORIGIN */
            if (len != 1) FAIL("ORIGIN attribute length %zu", len);
            a->origin = v[0];
            break;
        case 2: /* AS_PATH */
            a->has_aspath = 1;
            a->aspath = v;
            a->aspath_len = (int)len;
            break;
        case 3: /* NEXT_HOP */
            if (len != 4) FAIL("NEXT_HOP attribute length %zu", len);
            a->has_nh = 1;
            memcpy(a->nh, v, 4);
            break;
        case 4: /* MULTI_EXIT_DISC */
            if (len != 4) FAIL("MULTI_EXIT_DISC attribute length %zu", len);
            a->has_med = 1;
            a->med = rd32(v);
            break;
        case 5: /* LOCAL_PREF */
            if (len != 4) FAIL("LOCAL_PREF attribute length %zu", len);
            a->has_lp = 1;
            a->lp = rd32(v);
            break;
        case 6: /* ATOMIC_AGGREGATE */
            a->atomic = 1;
            break;
        case 7: /* AGGREGATOR: 2- or 4-byte AS + IPv4, told apart by length */
            if (len == 6) {
                a->agg_as = rd16(v);
                memcpy(a->agg_ip, v + 2, 4);
            } else if (len == 8) {
                a->agg_as = rd32(v);
                memcpy(a->agg_ip, v + 4, 4);
            } else
                FAIL("AGGREGATOR attribute length %zu", len);
            a->has_agg = 1;
            break;
        case 8: /* COMMUNITIES */
            if (len % 4) FAIL("COMMUNITIES attribute length %zu not a multiple of 4", len);
            a->has_comm = 1;
            a->comm = v;
            a->comm_len = (int)len;
            break;
        case 14: /* MP_REACH_NLRI */
            a->has_mpr = 1;
            if (rib_entry && len >= 1 && v[0] != 0) {
                /* RFC 6396 4.3.4 abbreviated form: next hop length + next hop only */
                int nl = v[0];
                if ((size_t)nl + 1 > len) FAIL("MP_REACH_NLRI next hop length %d overruns", nl);
                if (nl == 4) {
                    a->mpr_nh_af = 4;
                    memcpy(a->mpr_nh, v + 1, 4);
                } else if (nl == 16 || nl == 32) {
                    a->mpr_nh_af = 6;
                    memcpy(a->mpr_nh, v + 1, 16);
                } else if (nl == 12 || nl == 24) { /* RD + IPv4 / RD + IPv6 (VPN) */
                    a->mpr_nh_af = nl == 12 ? 4 : 6;
                    memcpy(a->mpr_nh, v + 9, nl == 12 ? 4 : 16);
                }
                a->mpr_afi = 0;
                break;
            }
            if (len < 5) FAIL("MP_REACH_NLRI attribute length %zu", len);
            a->mpr_afi = rd16(v);
            a->mpr_safi = v[2];
            {
                size_t nl = v[3];
                if (4 + nl + 1 > len) FAIL("MP_REACH_NLRI next hop length %zu overruns", nl);
                const uint8_t *nh = v + 4;
                if (nl == 4) {
                    a->mpr_nh_af = 4;
                    memcpy(a->mpr_nh, nh, 4);
                } else if (nl == 16 || nl == 32) {
                    a->mpr_nh_af = 6;
                    memcpy(a->mpr_nh, nh, 16);
                } else if (nl == 12 || nl == 24) {
                    a->mpr_nh_af = nl == 12 ? 4 : 6;
                    memcpy(a->mpr_nh, nh + 8, nl == 12 ? 4 : 16);
                }
                const uint8_t *q = nh + nl;
                int nsnpa = *q++;
                const uint8_t *vend = v + len;
                for (int i = 0; i < nsnpa; i++) {
                    if (q >= vend) FAIL("MP_REACH_NLRI SNPA overruns");
                    size_t sl = (size_t)(*q++ + 1) / 2;
                    if ((size_t)(vend - q) < sl) FAIL("MP_REACH_NLRI SNPA overruns");
                    q += sl;
                }
                a->mpr_nlri = q;
                a->mpr_nlri_len = (int)(vend - q);
            }
            break;
        case 15: /* MP_UNREACH_NLRI */
            if (len < 3) FAIL("MP_UNREACH_NLRI attribute length %zu", len);
            a->has_mpu = 1;
            a->mpu_afi = rd16(v);
            a->mpu_safi = v[2];
            a->mpu_nlri = v + 3;
            a->mpu_nlri_len = (int)len - 3;
            break;
        case 17: /* AS4_PATH */
            a->has_as4path = 1;
            a->as4path = v;
            a->as4path_len = (int)len;
            break;
        case 18: /* AS4_AGGREGATOR */
            if (len != 8) FAIL("AS4_AGGREGATOR attribute length %zu", len);
            a->has_as4agg = 1;
            a->as4agg_as = rd32(v);
            memcpy(a->as4agg_ip, v + 4, 4);
            break;
        case 32: /* LARGE_COMMUNITY (RFC 8092) */
            if (len % 12) FAIL("LARGE_COMMUNITY attribute length %zu not a multiple of 12", len);
            a->has_lcomm = 1;
            a->lcomm = v;
            a->lcomm_len = (int)len;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Parse AS path segments into tmp arrays: types per ASN with segment-start bit 0x80.
 * Returns number of ASNs written at tmp offset `at`, or -1. *count gets the RFC 6793 length. */
static int parse_segments(Decoder *d, const uint8_t *p, int len, int asn_len, size_t at,
                          int *count) {
    const uint8_t *end = p + len;
    int n = 0;
    *count = 0;
    while (p < end) {
        if (end - p < 2) FAIL("truncated AS path segment header");
        int type = p[0], sl = p[1];
        p += 2;
        if (type < 1 || type > 4) FAIL("AS path segment type %d is not 1-4", type);
        if (end - p < sl * asn_len)
            FAIL("AS path segment of %d ASNs overruns the attribute", sl);
        if (at + (size_t)n + (size_t)sl + 1 > d->tmp_cap) {
            if (grow_u32(&d->tmpa, &d->tmp_cap, at + (size_t)n + (size_t)sl + 1)) NOMEM();
            uint8_t *nt = (uint8_t *)PyMem_RawRealloc(d->tmpt, d->tmp_cap);
            if (!nt) NOMEM();
            d->tmpt = nt;
        }
        for (int i = 0; i < sl; i++) {
            d->tmpa[at + n] = asn_len == 4 ? rd32(p) : rd16(p);
            d->tmpt[at + n] = (uint8_t)(type | (i == 0 ? 0x80 : 0));
            p += asn_len;
            n++;
        }
        *count += (type == 2 || type == 3) ? sl : (sl ? 1 : 0);
    }
    return n;
}

static int path_reserve(Decoder *d, size_t need) {
    if (need <= d->path_cap) return 0;
    size_t nc = d->path_cap ? d->path_cap : 256;
    while (nc < need) nc *= 2;
    uint32_t *np = (uint32_t *)PyMem_RawRealloc(d->path, nc * 4);
    if (!np) return -1;
    d->path = np;
    uint8_t *nf = (uint8_t *)PyMem_RawRealloc(d->pflags, nc);
    if (!nf) return -1;
    d->pflags = nf;
    d->path_cap = nc;
    return 0;
}

/* Build d->path (final AS path after RFC 6793 merge), flags, origins. */
static int build_path(Decoder *d, const attrs_t *a, int asn_len) {
    d->path_n = 0;
    d->path_plain = 1;
    d->orig_n = 0;
    if (!a->has_aspath) return 0;
    int c1, c2 = 0;
    int n1 = parse_segments(d, a->aspath, a->aspath_len, asn_len, 0, &c1);
    if (n1 < 0) return n1;
    int n2 = 0;
    int merge = 0;
    if (asn_len == 2 && a->has_as4path) {
        merge = 1;
        /* RFC 6793 4.2.3: AGGREGATOR other than AS_TRANS => ignore AS4_PATH / AS4_AGGREGATOR */
        if (a->has_agg && a->has_as4agg && a->agg_as != 23456) merge = 0;
        if (merge) {
            n2 = parse_segments(d, a->as4path, a->as4path_len, 4, (size_t)n1, &c2);
            if (n2 < 0) return n2;
            if (c1 < c2) merge = 0;
        }
    }
    if (path_reserve(d, (size_t)n1 + (size_t)n2 + 1)) NOMEM();
    if (!merge) {
        memcpy(d->path, d->tmpa, (size_t)n1 * 4);
        memcpy(d->pflags, d->tmpt, (size_t)n1);
        d->path_n = n1;
    } else {
        /* leading (c1 - c2) path elements of AS_PATH, then all of AS4_PATH */
        int keep = c1 - c2, cnt = 0, i = 0, out = 0;
        while (i < n1 && cnt < keep) {
            int t = d->tmpt[i] & 0x7f;
            if (t == 1 || t == 4) { /* a set counts once: copy it whole */
                int j = i;
                do {
                    d->path[out] = d->tmpa[j];
                    d->pflags[out++] = d->tmpt[j];
                    j++;
                } while (j < n1 && !(d->tmpt[j] & 0x80));
                i = j;
                cnt++;
            } else {
                d->path[out] = d->tmpa[i];
                d->pflags[out++] = d->tmpt[i];
                i++;
                cnt++;
            }
        }
        for (int j = 0; j < n2; j++) {
            d->path[out] = d->tmpa[n1 + j];
            d->pflags[out] = d->tmpt[n1 + j];
            /* a sequence continuing across the seam stays one segment */
            if (j == 0 && out > 0 && (d->pflags[out] & 0x7f) == 2 &&
                (d->pflags[out - 1] & 0x7f) == 2)
                d->pflags[out] = 2;
            out++;
        }
        d->path_n = out;
    }
    /* plain: only AS_SEQUENCE segments (a long sequence split in several is still plain) */
    for (int i = 0; i < d->path_n; i++) {
        if ((d->pflags[i] & 0x7f) != 2) {
            d->path_plain = 0;
            break;
        }
    }
    /* origins: the last segment; all members when it is a set */
    if (d->path_n > 0) {
        int last = d->path_n - 1;
        int s = last;
        while (s > 0 && !(d->pflags[s] & 0x80)) s--;
        int t = d->pflags[last] & 0x7f;
        if (grow_u32(&d->orig, &d->orig_cap, (size_t)d->path_n)) NOMEM();
        if (t == 1 || t == 4) {
            for (int i = s; i <= last; i++) d->orig[d->orig_n++] = d->path[i];
        } else {
            d->orig[d->orig_n++] = d->path[last];
        }
    }
    return 0;
}

/* Derive per-attribute-set values shared by every element that carries them. */
static int prepare_attrs(Decoder *d, const attrs_t *a, int asn_len) {
    int r = build_path(d, a, asn_len);
    if (r) return r;
    d->comm_n = 0;
    if (a->has_comm) {
        int n = a->comm_len / 4;
        if (grow_u32(&d->commv, &d->comm_cap, (size_t)n + 1)) NOMEM();
        for (int i = 0; i < n; i++) d->commv[i] = rd32(a->comm + 4 * i);
        d->comm_n = n;
    }
    d->lcomm_n = 0;
    if (a->has_lcomm) {
        int n = a->lcomm_len / 12;
        if (grow_u32(&d->lcommv, &d->lcomm_cap, (size_t)n * 3 + 1)) NOMEM();
        for (int i = 0; i < n * 3; i++) d->lcommv[i] = rd32(a->lcomm + 4 * i);
        d->lcomm_n = n;
    }
    d->agg_slen = 0;
    return 0;
}

/* choose and format the next hop for prefixes of family `af` */
static void choose_nh(Decoder *d, const attrs_t *a, int af, int from_mp) {
    d->nh_slen = -1;
    if (from_mp || (af == 6)) {
        if (a->has_mpr && a->mpr_nh_af) {
            d->nh_slen = a->mpr_nh_af == 4 ? fmt_ipv4(d->nh_s, a->mpr_nh)
                                           : fmt_ipv6(d->nh_s, a->mpr_nh);
            return;
        }
        if (a->has_nh) d->nh_slen = fmt_ipv4(d->nh_s, a->nh);
        return;
    }
    if (a->has_nh) {
        d->nh_slen = fmt_ipv4(d->nh_s, a->nh);
        return;
    }
    if (a->has_mpr && a->mpr_nh_af)
        d->nh_slen = a->mpr_nh_af == 4 ? fmt_ipv4(d->nh_s, a->mpr_nh)
                                       : fmt_ipv6(d->nh_s, a->mpr_nh);
}

/* ------------------------------------------------------------------ element emission */
static int emit(Decoder *d, int rtype, int elem, const pfx_t *pfx, int has_pathid,
                uint32_t pathid, const attrs_t *a, int old_state, int new_state) {
    if (d->n >= d->cap_elems) FAIL("record yields more than %d elements", MAX_RECORD_ELEMENTS);
    PUTF(C_RTYPE, uint8_t, rtype);
    PUTF(C_ELEM, uint8_t, elem);
    PUTF(C_TS, int64_t, d->ts_us);
    PUTF(C_PEER, int32_t, d->peer_id);
    PUTF(C_PEER_ASN, uint32_t, d->peer_asn);
    if (pfx) {
        PUTF(C_PFX_VALID, uint8_t, 1);
        PUTF(C_AF, int8_t, pfx->af);
        PUTF(C_PLEN, uint8_t, pfx->len);
        PUTF(C_START, uint64_t, pfx->start);
        PUTF(C_END, uint64_t, pfx->end);
        PUTF(C_START_LO, uint64_t, pfx->start_lo);
        PUTF(C_END_LO, uint64_t, pfx->end_lo);
        PUTN(C_PFX_DATA, pfx->s, pfx->slen);
    } else {
        PUTF(C_PFX_VALID, uint8_t, 0);
        PUTF(C_AF, int8_t, 0);
        PUTF(C_PLEN, uint8_t, 0);
        PUTF(C_START, uint64_t, 0);
        PUTF(C_END, uint64_t, 0);
        PUTF(C_START_LO, uint64_t, 0);
        PUTF(C_END_LO, uint64_t, 0);
    }
    CLOSE_OFF(C_PFX_OFF, C_PFX_DATA, 1);
    PUTF(C_PATHID_VALID, uint8_t, has_pathid ? 1 : 0);
    PUTF(C_PATHID, uint32_t, has_pathid ? pathid : 0);
    if (a) {
        PUTF(C_ASP_VALID, uint8_t, 1);
        PUTN(C_ASP_VAL, d->path, (size_t)d->path_n * 4);
        if (d->path_plain) {
            PUTF(C_ASF_VALID, uint8_t, 0);
        } else {
            PUTF(C_ASF_VALID, uint8_t, 1);
            PUTN(C_ASF_VAL, d->pflags, (size_t)d->path_n);
        }
        PUTN(C_ORIG_VAL, d->orig, (size_t)d->orig_n * 4);
        if (d->nh_slen >= 0) {
            PUTF(C_NH_VALID, uint8_t, 1);
            PUTN(C_NH_DATA, d->nh_s, d->nh_slen);
        } else {
            PUTF(C_NH_VALID, uint8_t, 0);
        }
        PUTF(C_ORIGIN_VALID, uint8_t, a->origin >= 0);
        PUTF(C_ORIGIN, uint8_t, a->origin < 0 ? 0 : (a->origin > 2 ? 2 : a->origin));
        PUTF(C_MED_VALID, uint8_t, a->has_med);
        PUTF(C_MED, uint32_t, a->med);
        PUTF(C_LP_VALID, uint8_t, a->has_lp);
        PUTF(C_LP, uint32_t, a->lp);
        PUTF(C_COMM_VALID, uint8_t, a->has_comm);
        PUTN(C_COMM_VAL, d->commv, (size_t)d->comm_n * 4);
        PUTF(C_LCOMM_VALID, uint8_t, a->has_lcomm);
        PUTN(C_LCOMM_VAL, d->lcommv, (size_t)d->lcomm_n * 12);
        PUTF(C_ATOMIC, uint8_t, a->atomic);
        {
            int has = a->has_agg;
            uint32_t as = a->agg_as;
            const uint8_t *ip = a->agg_ip;
            if (has && a->has_as4agg && a->agg_as == 23456) {
                as = a->as4agg_as;
                ip = a->as4agg_ip;
            }
            PUTF(C_AGG_VALID, uint8_t, has);
            PUTF(C_AGG_ASN, uint32_t, has ? as : 0);
            if (has) {
                char s[16];
                int n = fmt_ipv4(s, ip);
                PUTN(C_AGG_IP_DATA, s, n);
            }
        }
    } else {
        PUTF(C_ASP_VALID, uint8_t, 0);
        PUTF(C_ASF_VALID, uint8_t, 0);
        PUTF(C_NH_VALID, uint8_t, 0);
        PUTF(C_ORIGIN_VALID, uint8_t, 0);
        PUTF(C_ORIGIN, uint8_t, 0);
        PUTF(C_MED_VALID, uint8_t, 0);
        PUTF(C_MED, uint32_t, 0);
        PUTF(C_LP_VALID, uint8_t, 0);
        PUTF(C_LP, uint32_t, 0);
        PUTF(C_COMM_VALID, uint8_t, 0);
        PUTF(C_LCOMM_VALID, uint8_t, 0);
        PUTF(C_ATOMIC, uint8_t, 0);
        PUTF(C_AGG_VALID, uint8_t, 0);
        PUTF(C_AGG_ASN, uint32_t, 0);
    }
    CLOSE_OFF(C_ASP_OFF, C_ASP_VAL, 4);
    CLOSE_OFF(C_ASF_OFF, C_ASF_VAL, 1);
    CLOSE_OFF(C_ORIG_OFF, C_ORIG_VAL, 4);
    CLOSE_OFF(C_NH_OFF, C_NH_DATA, 1);
    CLOSE_OFF(C_COMM_OFF, C_COMM_VAL, 4);
    CLOSE_OFF(C_LCOMM_OFF, C_LCOMM_VAL, 12);
    CLOSE_OFF(C_AGG_IP_OFF, C_AGG_IP_DATA, 1);
    PUTF(C_STATE_VALID, uint8_t, elem == EL_STATE);
    PUTF(C_OLD_STATE, uint16_t, old_state);
    PUTF(C_NEW_STATE, uint16_t, new_state);
    d->n++;
    return 0;
}

/* ------------------------------------------------------------------ record bodies */
static void add_issue(Decoder *d, uint64_t off, uint64_t rec, const char *msg);

/* does the whole NLRI field parse, with or without 4-byte path identifiers? */
static int nlri_parses(const uint8_t *p, const uint8_t *end, int af, int addpath) {
    int maxlen = af == 4 ? 32 : 128;
    while (p < end) {
        if (addpath) {
            if (end - p < 4) return 0;
            p += 4;
        }
        if (p >= end) return 0;
        int len = *p++;
        if (len > maxlen || end - p < (len + 7) / 8) return 0;
        p += (len + 7) / 8;
    }
    return 1;
}

/* Some speakers (BIRD) write ADD-PATH NLRI under the non-ADD-PATH BGP4MP subtypes. A field that
 * only parses with path identifiers is read with them. */
static int detect_addpath(const uint8_t *p, const uint8_t *end, int af, int addpath) {
    if (addpath || p >= end) return addpath;
    if (nlri_parses(p, end, af, 0)) return 0;
    return nlri_parses(p, end, af, 1);
}

static int emit_nlri_list(Decoder *d, int rtype, int elem, const uint8_t *p, const uint8_t *end,
                          int af, int addpath, const attrs_t *a) {
    addpath = detect_addpath(p, end, af, addpath);
    while (p < end) {
        uint32_t pid = 0;
        if (addpath) {
            if (end - p < 4) FAIL("truncated ADD-PATH path identifier");
            pid = rd32(p);
            p += 4;
        }
        pfx_t pf;
        int r = read_prefix(d, &p, end, af, &pf);
        if (r && !d->strict && p < end && end - p <= 17 && (*p <= (af == 4 ? 32 : 128)) &&
            end - p - 1 < (*p + 7) / 8) {
            /* lenient: a last prefix cut short by the message end (bgpdump's "incomplete"
             * prefix); the complete ones before it are kept, the cut bytes are counted */
            d->skipped_bytes += (uint64_t)(end - p);
            d->partial_records++;
            add_issue(d, d->rec_off, d->records - 1, d->err);
            return 0;
        }
        if (r) return r;
        r = emit(d, rtype, elem, &pf, addpath, pid, a, 0, 0);
        if (r) return r;
    }
    return 0;
}

static int afi_to_af(int afi) { return afi == 1 ? 4 : (afi == 2 ? 6 : 0); }

/* BGP UPDATE body (after the 19-byte header, or the bare body of MRT type 5) */
static int do_update(Decoder *d, int rtype, const uint8_t *p, const uint8_t *end, int asn_len,
                     int addpath) {
    if (end - p < 2) FAIL("truncated UPDATE: withdrawn routes length");
    int wlen = rd16(p);
    p += 2;
    if (end - p < wlen) FAIL("UPDATE withdrawn routes length %d overruns the message", wlen);
    const uint8_t *w = p, *wend = p + wlen;
    p = wend;
    if (end - p < 2) FAIL("truncated UPDATE: path attributes length");
    int alen = rd16(p);
    p += 2;
    if (end - p < alen) FAIL("UPDATE path attributes length %d overruns the message", alen);
    attrs_t a;
    int r = parse_attrs(d, p, p + alen, &a, 0);
    if (r) return r;
    const uint8_t *nlri = p + alen;
    int r2;
    /* withdrawals: IPv4 field, then MP_UNREACH */
    r2 = emit_nlri_list(d, rtype, EL_WITHDRAW, w, wend, 4, addpath, NULL);
    if (r2) return r2;
    if (a.has_mpu && (a.mpu_safi == 1 || a.mpu_safi == 2 || a.mpu_safi == 3) &&
        afi_to_af(a.mpu_afi)) {
        r2 = emit_nlri_list(d, rtype, EL_WITHDRAW, a.mpu_nlri, a.mpu_nlri + a.mpu_nlri_len,
                            afi_to_af(a.mpu_afi), addpath, NULL);
        if (r2) return r2;
    }
    int has_v4 = nlri < end;
    int has_mp = a.has_mpr && (a.mpr_safi == 1 || a.mpr_safi == 2 || a.mpr_safi == 3) &&
                 afi_to_af(a.mpr_afi) && a.mpr_nlri_len > 0;
    if (!has_v4 && !has_mp) return 0;
    r2 = prepare_attrs(d, &a, asn_len);
    if (r2) return r2;
    if (has_v4) {
        choose_nh(d, &a, 4, 0);
        r2 = emit_nlri_list(d, rtype, EL_ANNOUNCE, nlri, end, 4, addpath, &a);
        if (r2) return r2;
    }
    if (has_mp) {
        choose_nh(d, &a, afi_to_af(a.mpr_afi), 1);
        r2 = emit_nlri_list(d, rtype, EL_ANNOUNCE, a.mpr_nlri, a.mpr_nlri + a.mpr_nlri_len,
                            afi_to_af(a.mpr_afi), addpath, &a);
        if (r2) return r2;
    }
    return 0;
}

/* BGP4MP_ENTRY body after the common header: view, status, time last change, AFI, SAFI,
 * next hop length + next hop, prefix, attribute length + attributes (2-byte ASNs). */
static int do_bgp4mp_entry(Decoder *d, const uint8_t *p, const uint8_t *end) {
    if (end - p < 12) FAIL("truncated BGP4MP_ENTRY");
    int afi = rd16(p + 8), safi = p[10], nl = p[11];
    p += 12;
    if (end - p < nl) FAIL("BGP4MP_ENTRY next hop length %d overruns the record", nl);
    const uint8_t *nh = p;
    p += nl;
    int af = afi_to_af(afi);
    if (!af || (safi != 1 && safi != 2)) {
        d->unsupported_records++;
        return 0; /* VPN, labelled and other NLRI are not plain prefixes */
    }
    pfx_t pf;
    int r = read_prefix(d, &p, end, af, &pf);
    if (r) return r;
    if (end - p < 2) FAIL("truncated BGP4MP_ENTRY attribute length");
    int alen = rd16(p);
    p += 2;
    if (end - p < alen) FAIL("BGP4MP_ENTRY attribute length %d overruns the record", alen);
    if (end - p > alen && d->strict)
        FAIL("BGP4MP_ENTRY record has %d bytes after its attributes", (int)(end - p - alen));
    attrs_t a;
    r = parse_attrs(d, p, p + alen, &a, 1);
    if (r) return r;
    r = prepare_attrs(d, &a, 2);
    if (r) return r;
    if (nl == 4) d->nh_slen = fmt_ipv4(d->nh_s, nh);
    else if (nl == 16 || nl == 32) d->nh_slen = fmt_ipv6(d->nh_s, nh);
    else choose_nh(d, &a, af, 0);
    return emit(d, RT_BGP4MP_ENTRY, EL_RIB, &pf, 0, 0, &a, 0, 0);
}

static int do_bgp4mp(Decoder *d, int type, int subtype, const uint8_t *p, const uint8_t *end) {
    int et = type == MRT_BGP4MP_ET;
    int asn_len, is_state = 0, local = 0, addpath = 0, entry = 0;
    switch (subtype) {
    case 0: asn_len = 2; is_state = 1; break;
    case 1: asn_len = 2; break;
    case 2: asn_len = 2; entry = 1; break; /* BGP4MP_ENTRY: a RIB entry (Zebra, OpenBGPD) */
    case 4: asn_len = 4; break;
    case 5: asn_len = 4; is_state = 1; break;
    case 6: asn_len = 2; local = 1; break;
    case 7: asn_len = 4; local = 1; break;
    case 8: asn_len = 2; addpath = 1; break;
    case 9: asn_len = 4; addpath = 1; break;
    case 10: asn_len = 2; local = 1; addpath = 1; break;
    case 11: asn_len = 4; local = 1; addpath = 1; break;
    default:
        d->unsupported_records++;
        return 0; /* SNAPSHOT (deprecated) and unknown subtypes carry no elements */
    }
    int rtype;
    if (local) rtype = et ? (addpath ? RT_BGP4MP_ET_LOCAL_AP : RT_BGP4MP_ET_LOCAL)
                          : (addpath ? RT_BGP4MP_LOCAL_AP : RT_BGP4MP_LOCAL);
    else rtype = et ? (addpath ? RT_BGP4MP_ET_AP : RT_BGP4MP_ET) : (addpath ? RT_BGP4MP_AP : RT_BGP4MP);
    if (is_state && asn_len == 2 && end - p == 8)
        FAIL("8-byte BGP4MP STATE_CHANGE without interface, family or addresses (historic "
             "Zebra corruption)");
    if (end - p < 2 * asn_len + 4) FAIL("truncated BGP4MP header");
    if (rd16(p + 2 * asn_len) == 0xffff && rd16(p + 2 * asn_len + 2) == 0xffff)
        FAIL("BGP4MP message without interface, family or addresses (historic Zebra "
             "corruption)");
    uint32_t peer_as = asn_len == 4 ? rd32(p) : rd16(p);
    p += 2 * asn_len;
    /* int ifindex = rd16(p); */
    int afi = rd16(p + 2);
    p += 4;
    int af = afi_to_af(afi);
    if (!af) FAIL("BGP4MP address family %d is neither 1 (IPv4) nor 2 (IPv6)", afi);
    int il = af == 4 ? 4 : 16;
    if (end - p < 2 * il) FAIL("truncated BGP4MP peer/local addresses");
    const uint8_t *peer_ip = p;
    p += 2 * il;
    d->peer_asn = peer_as;
    d->peer_id = peer_lookup(d, af, peer_ip);
    if (d->peer_id < 0) NOMEM();
    if (entry) return do_bgp4mp_entry(d, p, end);
    if (is_state) {
        if (end - p < 4) FAIL("truncated BGP4MP STATE_CHANGE");
        int olds = rd16(p), news = rd16(p + 2);
        return emit(d, et ? RT_BGP4MP_ET : RT_BGP4MP, EL_STATE, NULL, 0, 0, NULL, olds, news);
    }
    if (end - p < 19) FAIL("truncated BGP message header");
    for (int i = 0; i < 16; i++)
        if (p[i] != 0xff) FAIL("BGP message marker is not all ones");
    int mlen = rd16(p + 16), mtype = p[18];
    if (mlen < 19) FAIL("BGP message length %d is below 19", mlen);
    if (end - p < mlen) FAIL("BGP message length %d overruns the record (%d left)", mlen,
                             (int)(end - p));
    if (mtype != 2) return 0; /* OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH: no elements */
    return do_update(d, rtype, p + 19, p + mlen, asn_len, addpath);
}

static int do_bgp5(Decoder *d, int subtype, const uint8_t *p, const uint8_t *end) {
    /* deprecated MRT type 5 "BGP": subtypes 1 UPDATE, 3 STATE_CHANGE; others carry no routes */
    if (subtype == 1) {
        if (end - p < 12) FAIL("truncated BGP (type 5) UPDATE header");
        if (end - p - 12 > 65535) FAIL("BGP (type 5) UPDATE of %d bytes exceeds a BGP message",
                                       (int)(end - p - 12));
        d->peer_asn = rd16(p);
        d->peer_id = peer_lookup(d, 4, p + 2);
        if (d->peer_id < 0) NOMEM();
        return do_update(d, RT_BGP, p + 12, end, 2, 0);
    }
    if (subtype == 3) {
        if (end - p < 10) FAIL("truncated BGP (type 5) STATE_CHANGE");
        d->peer_asn = rd16(p);
        d->peer_id = peer_lookup(d, 4, p + 2);
        if (d->peer_id < 0) NOMEM();
        return emit(d, RT_BGP, EL_STATE, NULL, 0, 0, NULL, rd16(p + 6), rd16(p + 8));
    }
    return 0;
}

static int do_table_dump(Decoder *d, int subtype, const uint8_t *p, const uint8_t *end) {
    int af, asn_len;
    switch (subtype) {
    case 1: af = 4; asn_len = 2; break;
    case 2: af = 6; asn_len = 2; break;
    case 3: af = 4; asn_len = 4; break; /* 32-bit AS variants some tools write */
    case 4: af = 6; asn_len = 4; break;
    default: FAIL("TABLE_DUMP subtype %d is not an address family", subtype);
    }
    int il = af == 4 ? 4 : 16;
    if (end - p < 4 + il + 2 + 4 + il + asn_len + 2) FAIL("truncated TABLE_DUMP entry");
    p += 4; /* view, sequence */
    pfx_t pf;
    memset(pf.addr, 0, 16);
    memcpy(pf.addr, p, (size_t)il);
    p += il;
    pf.af = (uint8_t)af;
    pf.len = *p++;
    if (pf.len > (af == 4 ? 32 : 128)) FAIL("TABLE_DUMP prefix length %d", pf.len);
    pfx_finish(&pf);
    p += 1 + 4; /* status, originated */
    d->peer_id = peer_lookup(d, af, p);
    if (d->peer_id < 0) NOMEM();
    p += il;
    d->peer_asn = asn_len == 4 ? rd32(p) : rd16(p);
    p += asn_len;
    int alen = rd16(p);
    p += 2;
    if (end - p < alen) FAIL("TABLE_DUMP attribute length %d overruns the record", alen);
    int trailing = (int)(end - p - alen);
    if (trailing && d->strict)
        FAIL("TABLE_DUMP record has %d bytes after its one entry", trailing);
    attrs_t a;
    int r = parse_attrs(d, p, p + alen, &a, 1);
    if (r) return r;
    r = prepare_attrs(d, &a, asn_len);
    if (r) return r;
    choose_nh(d, &a, af, 0);
    r = emit(d, RT_TABLE_DUMP, EL_RIB, &pf, 0, 0, &a, 0, 0);
    if (r) return r;
    if (trailing) { /* lenient: keep the entry, count what follows it */
        snprintf(d->err, sizeof(d->err), "TABLE_DUMP record has %d bytes after its one entry",
                 trailing);
        add_issue(d, d->rec_off, d->records - 1, d->err);
        d->skipped_bytes += (uint64_t)trailing;
        d->partial_records++;
    }
    return 0;
}

static int do_peer_index(Decoder *d, const uint8_t *p, const uint8_t *end) {
    if (end - p < 6) FAIL("truncated PEER_INDEX_TABLE");
    p += 4;
    int vlen = rd16(p);
    p += 2;
    if (end - p < vlen + 2) FAIL("truncated PEER_INDEX_TABLE view name");
    p += vlen;
    int count = rd16(p);
    p += 2;
    pit_peer_t *np = (pit_peer_t *)PyMem_RawRealloc(d->pit, (size_t)(count ? count : 1) *
                                                               sizeof(pit_peer_t));
    if (!np) NOMEM();
    d->pit = np;
    d->npit = 0;
    d->have_pit = 0;
    for (int i = 0; i < count; i++) {
        if (end - p < 5) FAIL("truncated PEER_INDEX_TABLE entry %d", i);
        int ptype = p[0];
        p += 5;
        int il = (ptype & 1) ? 16 : 4, al = (ptype & 2) ? 4 : 2;
        if (end - p < il + al) FAIL("truncated PEER_INDEX_TABLE entry %d", i);
        pit_peer_t *e = &d->pit[i];
        e->af = (ptype & 1) ? 6 : 4;
        memset(e->ip, 0, 16);
        memcpy(e->ip, p, (size_t)il);
        p += il;
        e->asn = al == 4 ? rd32(p) : rd16(p);
        p += al;
        e->dict_id = peer_lookup(d, e->af, e->ip);
        if (e->dict_id < 0) NOMEM();
        d->npit = i + 1;
    }
    d->have_pit = 1;
    return 0;
}

static int do_rib(Decoder *d, int subtype, const uint8_t *p, const uint8_t *end) {
    int af = 0, addpath = 0, generic = 0;
    switch (subtype) {
    case 2: case 3: af = 4; break;
    case 4: case 5: af = 6; break;
    case 6: generic = 1; break;
    case 8: case 9: af = 4; addpath = 1; break;
    case 10: case 11: af = 6; addpath = 1; break;
    case 12: generic = 1; addpath = 1; break;
    default:
        d->unsupported_records++;
        return 0;
    }
    if (!d->have_pit) FAIL("RIB record before any PEER_INDEX_TABLE");
    if (end - p < 4) FAIL("truncated RIB record");
    p += 4; /* sequence */
    pfx_t pf;
    if (generic) {
        if (end - p < 3) FAIL("truncated RIB_GENERIC header");
        int afi = rd16(p), safi = p[2];
        p += 3;
        af = afi_to_af(afi);
        if (!af || (safi != 1 && safi != 2)) {
            d->unsupported_records++;
            return 0; /* NLRI of other AFI/SAFI (VPN, flowspec...) is not a plain prefix */
        }
    }
    int r = read_prefix(d, &p, end, af, &pf);
    if (r) return r;
    if (end - p < 2) FAIL("truncated RIB entry count");
    int count = rd16(p);
    p += 2;
    int rtype = addpath ? RT_TABLE_DUMP2_AP : RT_TABLE_DUMP2;
    for (int i = 0; i < count; i++) {
        if (end - p < 8 + (addpath ? 4 : 0)) FAIL("truncated RIB entry %d of %d", i, count);
        int pidx = rd16(p);
        p += 6; /* peer index, originated time */
        uint32_t pid = 0;
        if (addpath) {
            pid = rd32(p);
            p += 4;
        }
        int alen = rd16(p);
        p += 2;
        if (end - p < alen) FAIL("RIB entry %d attribute length %d overruns the record", i, alen);
        if (pidx >= d->npit) FAIL("RIB entry peer index %d beyond the %d peers of the table",
                                  pidx, d->npit);
        attrs_t a;
        r = parse_attrs(d, p, p + alen, &a, 1);
        if (r) return r;
        p += alen;
        r = prepare_attrs(d, &a, 4);
        if (r) return r;
        choose_nh(d, &a, af, 0);
        d->peer_id = d->pit[pidx].dict_id;
        d->peer_asn = d->pit[pidx].asn;
        r = emit(d, rtype, EL_RIB, &pf, addpath, pid, &a, 0, 0);
        if (r) return r;
    }
    if (p != end) FAIL("RIB record has %d bytes after its %d entries", (int)(end - p), count);
    return 0;
}

/* ------------------------------------------------------------------ framing */
static int known_type(int type, int subtype) {
    switch (type) {
    case MRT_TABLE_DUMP: return subtype >= 1 && subtype <= 4;
    case MRT_TABLE_DUMP_V2: return subtype >= 1 && subtype <= 12;
    case MRT_BGP4MP: case MRT_BGP4MP_ET: return subtype <= 11;
    case MRT_BGP: return subtype <= 7;
    case 11: case 32: case 33: case 48: case 49: return 1; /* OSPF, IS-IS */
    default: return 0;
    }
}

static int header_plausible(Decoder *d, const uint8_t *h, size_t avail) {
    uint32_t ts = rd32(h);
    int type = rd16(h + 4), subtype = rd16(h + 6);
    uint32_t len = rd32(h + 8);
    if (!known_type(type, subtype)) return 0;
    if (len > MAX_RECORD_LEN) return 0;
    if (type == MRT_BGP4MP_ET && len < 4) return 0;
    if (d->have_last_ts) {
        uint32_t diff = ts > d->last_ts ? ts - d->last_ts : d->last_ts - ts;
        if (diff > RESYNC_TS_WINDOW) return 0;
    }
    (void)avail;
    return 1;
}

static void add_issue(Decoder *d, uint64_t off, uint64_t rec, const char *msg) {
    if (d->nissues >= 100) return;
    d->issues[d->nissues].off = off;
    d->issues[d->nissues].rec = rec;
    snprintf(d->issues[d->nissues].msg, sizeof(d->issues[0].msg), "%s", msg);
    d->nissues++;
}

static void mark(Decoder *d, size_t *m) {
    for (int i = 0; i < C_NBUF; i++) m[i] = d->col[i].len;
}
static void rollback(Decoder *d, const size_t *m, Py_ssize_t n0) {
    for (int i = 0; i < C_NBUF; i++) d->col[i].len = m[i];
    d->n = n0;
}

static void raise_decode_error(Decoder *d, uint64_t off, uint64_t rec) {
    /* called without the GIL: only remember; Decoder_decode raises */
    d->err_off = off;
    d->err_rec = rec;
}

/* Decode one record body; returns 0 ok, -1 malformed, -2 fatal (memory). */
static int ensure_elems(Decoder *d, Py_ssize_t elems);

static int do_record(Decoder *d, int type, int subtype, uint32_t ts, const uint8_t *body,
                     const uint8_t *end) {
    d->ts_us = (int64_t)ts * 1000000;
    switch (type) {
    case MRT_TABLE_DUMP_V2:
        if (subtype == 1) return do_peer_index(d, body, end);
        return do_rib(d, subtype, body, end);
    case MRT_TABLE_DUMP:
        return do_table_dump(d, subtype, body, end);
    case MRT_BGP4MP:
        return do_bgp4mp(d, type, subtype, body, end);
    case MRT_BGP4MP_ET: {
        if (end - body < 4) FAIL("BGP4MP_ET record shorter than its microsecond field");
        uint32_t us = rd32(body);
        if (us > 999999) FAIL("BGP4MP_ET microseconds %u exceed 999999", us);
        d->ts_us += us;
        return do_bgp4mp(d, type, subtype, body + 4, end);
    }
    case MRT_BGP:
        return do_bgp5(d, subtype, body, end);
    default:
        d->unsupported_records++;
        return 0;
    }
}

/* Lenient resynchronisation: scan forward from in_pos for a plausible header whose successor is
 * plausible too. What the available input rules out is skipped; a candidate that needs more
 * input to be judged waits for it (the scan resumes there on the next call), so the result does
 * not depend on how the input was split into feed() calls. Returns 1 when done, 0 when it needs
 * more input. */
static int scan(Decoder *d, int final) {
    size_t q = d->in_pos;
    int found = 0;
    for (; q + 12 <= d->in_len; q++) {
        const uint8_t *c = d->in + q;
        if (!header_plausible(d, c, d->in_len - q) || rd32(c + 8) > RESYNC_MAX_LEN) continue;
        uint64_t nxt = (uint64_t)q + 12 + rd32(c + 8);
        if (nxt + 12 + RESYNC_SLACK <= d->in_len) {
            /* the successor must look like a header too, give or take a few bytes (some
             * producers misstate every record's length by a constant) */
            int ok = 0;
            for (uint64_t k = nxt; k <= nxt + RESYNC_SLACK && !ok; k++)
                ok = header_plausible(d, d->in + k, d->in_len - k);
            if (ok) { found = 1; break; }
            continue;
        }
        if (nxt == d->in_len && final) { found = 1; break; }
        if (!final) break; /* need more input to judge this candidate */
    }
    if (!found && !final) { /* skip what is ruled out; resume at q with more input */
        d->skipped_bytes += q - d->in_pos;
        d->in_pos = q;
        return 0;
    }
    size_t stop = found ? q : d->in_len;
    d->skipped_bytes += stop - d->in_pos;
    d->in_pos = stop;
    add_issue(d, d->scan_off, d->records, d->scan_err);
    d->scanning = 0;
    if (!found && d->scan_cut) { /* nothing decodable behind it: the input was cut short */
        d->tail_off = (int64_t)d->scan_off;
        d->tail_present = d->scan_avail;
        d->tail_announced = d->scan_len + 12;
    } else {
        d->resyncs++;
    }
    return 1;
}

/* 1 = batch ready, 0 = need more input, -1 = decode error (strict), -2 = out of memory.
 * Runs without the GIL: touches only the decoder's own memory. */
static int run(Decoder *d, int final) {
    size_t m[C_NBUF];
    size_t avail = 0;
    uint64_t off = 0;
    while (d->n < d->batch_size) {
        avail = d->in_len - d->in_pos;
        const uint8_t *h = d->in + d->in_pos;
        off = d->in_base + d->in_pos;
        if (d->scanning) {
            if (!scan(d, final)) return 0;
            continue;
        }
        if (avail == 0) return 0;
        if (avail < 12) {
            if (!final) return 0;
            snprintf(d->err, sizeof(d->err),
                     "incomplete record: %zu of its 12 header bytes present (the input ends "
                     "inside it)", avail);
            d->tail_off = (int64_t)off;
            d->tail_present = avail;
            d->tail_announced = 0;
            goto damaged_tail;
        }
        uint32_t ts = rd32(h);
        int type = rd16(h + 4), subtype = rd16(h + 6);
        uint32_t len = rd32(h + 8);
        int bad_header = !header_plausible(d, h, avail);
        int cut = 0; /* a plausible header whose record runs past the end of the input */
        if (bad_header) {
            snprintf(d->err, sizeof(d->err),
                     "implausible MRT header (type %d, subtype %d, length %u, time %u)", type,
                     subtype, len, ts);
        } else if ((size_t)len + 12 > avail) {
            if (!final) return 0;
            snprintf(d->err, sizeof(d->err),
                     "incomplete record: header announces %u bytes, %zu present (the input "
                     "ends inside it)", len, avail - 12);
            if (d->strict) {
                d->tail_off = (int64_t)off;
                d->tail_present = avail;
                d->tail_announced = (uint64_t)len + 12;
                goto damaged_tail;
            }
            bad_header = 1; /* lenient: the length may be what is damaged; look further on */
            cut = 1;
        }
        if (bad_header) {
            if (d->strict) {
                raise_decode_error(d, off, d->records);
                return -1;
            }
            /* look further on, from the next byte (see scan()) */
            d->scanning = 1;
            d->scan_cut = cut;
            d->scan_off = off;
            d->scan_len = len;
            d->scan_avail = avail;
            memcpy(d->scan_err, d->err, sizeof(d->err));
            d->in_pos++;
            d->skipped_bytes++;
            continue;
        }
        const uint8_t *body = h + 12, *end = body + len;
        Py_ssize_t n0 = d->n;
        d->last_ts = ts;
        d->have_last_ts = 1;
        if (ensure_elems(d, d->n + (len < MAX_RECORD_ELEMENTS ? (Py_ssize_t)len : MAX_RECORD_ELEMENTS) + 1))
            return -2;
        mark(d, m);
        d->records++;
        d->rec_off = off;
        uint64_t sb0 = d->skipped_bytes, pr0 = d->partial_records, ur0 = d->unsupported_records;
        int ni0 = d->nissues;
        int r = do_record(d, type, subtype, ts, body, end);
        if (r == -2) return -2;
        if (r < 0) {
            rollback(d, m, n0);
            /* a record that fails after a salvage is skipped whole: undo the partial counts */
            d->skipped_bytes = sb0;
            d->partial_records = pr0;
            d->unsupported_records = ur0;
            d->nissues = ni0;
            if (d->strict) {
                raise_decode_error(d, off, d->records - 1);
                return -1;
            }
            add_issue(d, off, d->records - 1, d->err);
            d->skipped_records++;
            d->skipped_bytes += (uint64_t)len + 12;
        } else {
            d->records_ok++;
        }
        d->in_pos += (size_t)len + 12;
    }
    return 1;
damaged_tail:
    if (d->strict) {
        raise_decode_error(d, off, d->records);
        return -1;
    }
    add_issue(d, off, d->records, d->err);
    d->skipped_bytes += avail;
    d->in_pos = d->in_len;
    return 0;
}

/* ------------------------------------------------------------------ batch output */
/* Room in every fixed-width column for `elems` elements in this batch. */
static int ensure_elems(Decoder *d, Py_ssize_t elems) {
    if (elems <= d->cap_elems) return 0;
    for (int c = 0; c < C_NBUF; c++) {
        if (!FIXED_W[c]) continue;
        buf_t *b = &d->col[c];
        size_t need = (size_t)(elems + 1) * FIXED_W[c] + 8;
        if (need > b->len && buf_reserve(b, need - b->len)) return -1;
    }
    d->cap_elems = elems;
    return 0;
}

static int batch_reset(Decoder *d) {
    for (int i = 0; i < C_NBUF; i++) d->col[i].len = 0;
    d->n = 0;
    d->cap_elems = 0;
    for (int i = 0; i < NOFFS; i++) {
        int32_t z = 0;
        buf_t *b = &d->col[OFFSETS[i]];
        if (buf_reserve(b, 4)) return -1;
        memcpy(b->p, &z, 4);
        b->len = 4;
    }
    return ensure_elems(d, d->batch_size + 1024);
}

/* Handed-off column memory comes back here when Arrow releases it, so the next batches reuse
 * warm pages instead of faulting fresh ones in. Touched only with the GIL held. */
#define POOL_SLOTS 128
#define POOL_MAX_BYTES (96u * 1024u * 1024u)
static struct { uint8_t *p; size_t cap; } pool[POOL_SLOTS];
static int pool_n;
static size_t pool_bytes;

static void capsule_free(PyObject *cap) {
    uint8_t *mem = (uint8_t *)PyCapsule_GetPointer(cap, "nethealth.mrt.buffer");
    size_t size = (size_t)(uintptr_t)PyCapsule_GetContext(cap);
    if (mem && size && pool_n < POOL_SLOTS && pool_bytes + size <= POOL_MAX_BYTES) {
        pool[pool_n].p = mem;
        pool[pool_n].cap = size;
        pool_n++;
        pool_bytes += size;
        return;
    }
    PyMem_RawFree(mem);
}

static uint8_t *pool_take(size_t cap) {
    for (int i = pool_n - 1; i >= 0; i--) {
        if (pool[i].cap == cap) {
            uint8_t *p = pool[i].p;
            pool_bytes -= pool[i].cap;
            pool[i] = pool[--pool_n];
            return p;
        }
    }
    return (uint8_t *)PyMem_RawMalloc(cap);
}

/* Give a column's memory to Python without copying: (address, size, owner capsule). The
 * decoder starts the next batch in another allocation of the same capacity. */
static PyObject *handoff(buf_t *b) {
    size_t cap = b->cap ? b->cap : 64;
    uint8_t *fresh = pool_take(cap);
    if (!fresh) return PyErr_NoMemory();
    uint8_t *mem = b->p ? b->p : (uint8_t *)PyMem_RawMalloc(1);
    size_t mem_cap = b->p ? b->cap : 1;
    if (!mem) {
        PyMem_RawFree(fresh);
        return PyErr_NoMemory();
    }
    PyObject *cap_obj = PyCapsule_New(mem, "nethealth.mrt.buffer", capsule_free);
    if (!cap_obj || PyCapsule_SetContext(cap_obj, (void *)(uintptr_t)mem_cap)) {
        Py_XDECREF(cap_obj);  /* frees or pools `mem` */
        if (!cap_obj && !b->p) PyMem_RawFree(mem);
        PyMem_RawFree(fresh);
        if (cap_obj) b->p = NULL, b->cap = 0, b->len = 0;
        return NULL;
    }
    Py_ssize_t len = (Py_ssize_t)b->len;
    b->p = fresh; /* the capsule owns `mem` from here on */
    b->cap = cap;
    b->len = 0;
    return Py_BuildValue("(KnN)", (unsigned long long)(uintptr_t)mem, len, cap_obj);
}

static PyObject *take_batch(Decoder *d) {
    PyObject *out = PyDict_New();
    if (!out) return NULL;
    Py_ssize_t n = d->n;
    int packed[C_NBUF] = {0};
    for (size_t i = 0; i < sizeof(PACKED) / sizeof(PACKED[0]); i++) packed[PACKED[i]] = 1;
    for (int c = 0; c < C_NBUF; c++) {
        PyObject *v;
        if (packed[c]) {
            Py_ssize_t nb = (n + 7) / 8;
            v = PyBytes_FromStringAndSize(NULL, nb);
            if (!v) goto fail;
            uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(v);
            memset(dst, 0, (size_t)nb);
            const uint8_t *src = d->col[c].p;
            Py_ssize_t ones = 0;
            for (Py_ssize_t i = 0; i < n; i++)
                if (src[i]) {
                    dst[i >> 3] |= (uint8_t)(1u << (i & 7));
                    ones++;
                }
            PyObject *cnt = PyLong_FromSsize_t(n - ones);
            char key[64];
            snprintf(key, sizeof(key), "%s_nulls", COL_NAMES[c]);
            if (!cnt || PyDict_SetItemString(out, key, cnt)) {
                Py_XDECREF(cnt);
                Py_DECREF(v);
                goto fail;
            }
            Py_DECREF(cnt);
        } else {
            v = handoff(&d->col[c]);
            if (!v) goto fail;
        }
        if (PyDict_SetItemString(out, COL_NAMES[c], v)) {
            Py_DECREF(v);
            goto fail;
        }
        Py_DECREF(v);
    }
    {
        PyObject *nn = PyLong_FromSsize_t(n);
        PyObject *po = PyBytes_FromStringAndSize((const char *)d->peer_off.p,
                                                 (Py_ssize_t)d->peer_off.len);
        PyObject *pd = PyBytes_FromStringAndSize((const char *)d->peer_data.p,
                                                 (Py_ssize_t)d->peer_data.len);
        int bad = !nn || !po || !pd || PyDict_SetItemString(out, "n", nn) ||
                  PyDict_SetItemString(out, "peers_off", po) ||
                  PyDict_SetItemString(out, "peers_data", pd);
        Py_XDECREF(nn);
        Py_XDECREF(po);
        Py_XDECREF(pd);
        if (bad) goto fail;
    }
    d->elements_total += (uint64_t)n;
    if (batch_reset(d)) {
        Py_DECREF(out);
        return PyErr_NoMemory();
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* ------------------------------------------------------------------ Python type */
static int Decoder_init(Decoder *d, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"strict", "batch_size", NULL};
    int strict = 1;
    Py_ssize_t bs = 65536;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|pn", kwlist, &strict, &bs)) return -1;
    if (bs < 1) {
        PyErr_SetString(PyExc_ValueError, "batch_size must be positive");
        return -1;
    }
    d->strict = strict;
    d->batch_size = bs;
    d->tail_off = -1;
    int32_t z = 0;
    if (buf_reserve(&d->peer_off, 4)) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(d->peer_off.p, &z, 4);
    d->peer_off.len = 4;
    if (batch_reset(d)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void Decoder_dealloc(Decoder *d) {
    for (int i = 0; i < C_NBUF; i++) PyMem_RawFree(d->col[i].p);
    PyMem_RawFree(d->in);
    PyMem_RawFree(d->peer_off.p);
    PyMem_RawFree(d->peer_data.p);
    PyMem_RawFree(d->ph_keys);
    PyMem_RawFree(d->ph_vals);
    PyMem_RawFree(d->pit);
    PyMem_RawFree(d->path);
    PyMem_RawFree(d->pflags);
    PyMem_RawFree(d->orig);
    PyMem_RawFree(d->tmpa);
    PyMem_RawFree(d->tmpt);
    PyMem_RawFree(d->commv);
    PyMem_RawFree(d->lcommv);
    Py_TYPE(d)->tp_free((PyObject *)d);
}

static PyObject *Decoder_feed(Decoder *d, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE)) return NULL;
    /* compact consumed input */
    if (d->in_pos) {
        memmove(d->in, d->in + d->in_pos, d->in_len - d->in_pos);
        d->in_len -= d->in_pos;
        d->in_base += d->in_pos;
        d->in_pos = 0;
    }
    size_t need = d->in_len + (size_t)view.len;
    if (need > d->in_cap) {
        size_t nc = d->in_cap ? d->in_cap : 1 << 16;
        while (nc < need) nc *= 2;
        uint8_t *np = (uint8_t *)PyMem_RawRealloc(d->in, nc);
        if (!np) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
        d->in = np;
        d->in_cap = nc;
    }
    memcpy(d->in + d->in_len, view.buf, (size_t)view.len);
    d->in_len += (size_t)view.len;
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *Decoder_decode(Decoder *d, PyObject *args) {
    int final = 0;
    if (!PyArg_ParseTuple(args, "|p", &final)) return NULL;
    int r;
    Py_BEGIN_ALLOW_THREADS
    r = run(d, final);
    Py_END_ALLOW_THREADS
    if (r == -2) return PyErr_NoMemory();
    if (r == -1) {
        PyObject *eargs = Py_BuildValue("(sKK)", d->err, (unsigned long long)d->err_off,
                                        (unsigned long long)d->err_rec);
        if (eargs) {
            PyErr_SetObject(DecodeError, eargs);
            Py_DECREF(eargs);
        }
        return NULL;
    }
    if (r == 1 || (final && d->n > 0)) return take_batch(d);
    Py_RETURN_NONE;
}

static PyObject *Decoder_stats(Decoder *d, PyObject *Py_UNUSED(ignored)) {
    return Py_BuildValue(
        "{sLsKsKsKsKsKsKsKsKsKsKsKsK}", "tail_offset", (long long)d->tail_off, "tail_present",
        (unsigned long long)d->tail_present, "tail_announced",
        (unsigned long long)d->tail_announced, "partial_records",
        (unsigned long long)d->partial_records,
        "records", (unsigned long long)d->records, "records_ok",
        (unsigned long long)d->records_ok, "skipped_records",
        (unsigned long long)d->skipped_records, "skipped_bytes",
        (unsigned long long)d->skipped_bytes, "unsupported_records",
        (unsigned long long)d->unsupported_records, "elements",
        (unsigned long long)(d->elements_total + (uint64_t)d->n), "resyncs",
        (unsigned long long)d->resyncs, "offset", (unsigned long long)(d->in_base + d->in_pos),
        "buffered", (unsigned long long)(d->in_len - d->in_pos));
}

static PyObject *Decoder_issues(Decoder *d, PyObject *Py_UNUSED(ignored)) {
    PyObject *l = PyList_New(d->nissues);
    if (!l) return NULL;
    for (int i = 0; i < d->nissues; i++) {
        PyObject *t = Py_BuildValue("(KKs)", (unsigned long long)d->issues[i].off,
                                    (unsigned long long)d->issues[i].rec, d->issues[i].msg);
        if (!t) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, t);
    }
    return l;
}

static PyMethodDef Decoder_methods[] = {
    {"feed", (PyCFunction)Decoder_feed, METH_O, "Append decompressed MRT bytes."},
    {"decode", (PyCFunction)Decoder_decode, METH_VARARGS,
     "decode(final=False) -> dict of column buffers when a batch is full (or at the end), "
     "else None."},
    {"stats", (PyCFunction)Decoder_stats, METH_NOARGS, "Counters: records, skipped, ..."},
    {"issues", (PyCFunction)Decoder_issues, METH_NOARGS,
     "First 100 problems met in lenient mode: (offset, record_index, message)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "nethealth.formats._mrt.Decoder",
    .tp_basicsize = sizeof(Decoder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Streaming MRT decoder into column buffers.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Decoder_init,
    .tp_dealloc = (destructor)Decoder_dealloc,
    .tp_methods = Decoder_methods,
};


/* ------------------------------------------------------------------ bgpdump -m text */
/* IPv6 text as bgpdump's inet_ntop writes it: the longest zero run is folded even when it is a
 * single group, and ::/96 addresses other than ::1 get an embedded IPv4 address. */
static int fmt_ipv6_bgpdump(char *out, const uint8_t *a) {
    unsigned w[8];
    for (int i = 0; i < 8; i++) w[i] = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
    int best = -1, bestlen = 0, cur = -1, curlen = 0;
    for (int i = 0; i < 8; i++) {
        if (w[i] == 0) {
            if (cur < 0) { cur = i; curlen = 1; } else curlen++;
            if (curlen > bestlen) { best = cur; bestlen = curlen; }
        } else cur = -1;
    }
    int n = 0;
    if (best == 0 && (bestlen == 6 || (bestlen == 7 && w[7] != 1) ||
                      (bestlen == 5 && w[5] == 0xffff))) {
        out[n++] = ':';
        out[n++] = ':';
        if (bestlen == 5) { memcpy(out + n, "ffff:", 5); n += 5; }
        return n + fmt_ipv4(out + n, a + 12);
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out[n++] = ':';
            if (i == 0) out[n++] = ':';
            i += bestlen - 1;
            continue;
        }
        n += fmt_hex16(out + n, w[i]);
        if (i < 7) out[n++] = ':';
    }
    return n;
}

/* re-spell an address text ("a.b.c.d" kept, IPv6 re-formatted); returns length */
static int bgpdump_addr(char *out, const char *txt, int len) {
    if (!memchr(txt, ':', (size_t)len)) {
        memcpy(out, txt, (size_t)len);
        return len;
    }
    char tmp[64];
    uint8_t bin[16];
    if (len >= (int)sizeof(tmp)) len = (int)sizeof(tmp) - 1;
    memcpy(tmp, txt, (size_t)len);
    tmp[len] = 0;
    if (inet_pton(AF_INET6, tmp, bin) != 1) {
        memcpy(out, txt, (size_t)len);
        return len;
    }
    return fmt_ipv6_bgpdump(out, bin);
}

typedef struct {
    const uint8_t *p;
    Py_ssize_t len;
} colv_t;

static int get_col(PyObject *cols, const char *name, colv_t *out) {
    PyObject *v = PyDict_GetItemString(cols, name);
    if (!v) {
        PyErr_Format(PyExc_KeyError, "column %s missing", name);
        return -1;
    }
    if (PyBytes_Check(v)) {
        out->p = (const uint8_t *)PyBytes_AS_STRING(v);
        out->len = PyBytes_GET_SIZE(v);
        return 0;
    }
    unsigned long long addr;
    Py_ssize_t size;
    PyObject *owner;
    if (!PyArg_ParseTuple(v, "KnO", &addr, &size, &owner)) return -1;
    out->p = (const uint8_t *)(uintptr_t)addr;
    out->len = size;
    return 0;
}

static inline int bit(const colv_t *c, Py_ssize_t i) { return (c->p[i >> 3] >> (i & 7)) & 1; }
static inline int32_t i32at(const colv_t *c, Py_ssize_t i) {
    int32_t v;
    memcpy(&v, c->p + 4 * i, 4);
    return v;
}
static inline uint32_t u32at(const colv_t *c, Py_ssize_t i) {
    uint32_t v;
    memcpy(&v, c->p + 4 * i, 4);
    return v;
}

static const char *const RT_NAMES[RT_COUNT] = {
    "TABLE_DUMP", "TABLE_DUMP2", "TABLE_DUMP2_AP", "BGP4MP", "BGP4MP_ET", "BGP",
    "BGP4MP_AP", "BGP4MP_ET_AP", "BGP4MP_LOCAL", "BGP4MP_ET_LOCAL", "BGP4MP_LOCAL_AP",
    "BGP4MP_ET_LOCAL_AP", "BGP4MP_ENTRY",
};
static const char *const ORIGIN_NAMES[] = {"IGP", "EGP", "INCOMPLETE"};

#define OUT_RESERVE(nb)                                                              \
    do {                                                                             \
        if (buf_reserve(&o, (size_t)(nb))) {                                         \
            PyMem_RawFree(o.p);                                                      \
            PyMem_RawFree(peer_txt);                                                 \
            PyMem_RawFree(peer_len);                                                 \
            return PyErr_NoMemory();                                                 \
        }                                                                            \
    } while (0)
#define OUT_STR(str, l)                                                              \
    do {                                                                             \
        OUT_RESERVE(l);                                                              \
        memcpy(o.p + o.len, (str), (size_t)(l));                                     \
        o.len += (size_t)(l);                                                        \
    } while (0)
#define OUT_C(ch)                                                                    \
    do {                                                                             \
        OUT_RESERVE(1);                                                              \
        o.p[o.len++] = (uint8_t)(ch);                                                \
    } while (0)
#define OUT_U32(v)                                                                   \
    do {                                                                             \
        OUT_RESERVE(12);                                                             \
        o.len += (size_t)fmt_u32((char *)o.p + o.len, (uint32_t)(v));                \
    } while (0)

/* format_bgpdump(columns) -> bytes: the bgpdump -m lines of a batch, from the decoder's column
 * buffers (the same buffers the Arrow arrays are made of). */
static PyObject *py_format_bgpdump(PyObject *self, PyObject *cols) {
    if (!PyDict_Check(cols)) {
        PyErr_SetString(PyExc_TypeError, "expected the decoder's column dict");
        return NULL;
    }
    PyObject *nobj = PyDict_GetItemString(cols, "n");
    if (!nobj) {
        PyErr_SetString(PyExc_KeyError, "n");
        return NULL;
    }
    Py_ssize_t n = PyLong_AsSsize_t(nobj);
    if (n < 0 && PyErr_Occurred()) return NULL;
    colv_t rt, el, ts, peer, pasn, po, pd, pfo, pfd, pid, pidv, apo, apv, afv, afo, afval, nhv,
        nho, nhd, org, orgv, med, medv, lp, lpv, cv, co, cval, atom, agv, aga, agio, agid, os, ns;
    struct { const char *name; colv_t *c; } want[] = {
        {"record_type", &rt}, {"elem", &el}, {"ts", &ts}, {"peer", &peer}, {"peer_asn", &pasn},
        {"peers_off", &po}, {"peers_data", &pd}, {"pfx_off", &pfo}, {"pfx_data", &pfd},
        {"path_id", &pid}, {"path_id_valid", &pidv}, {"as_path_off", &apo},
        {"as_path_val", &apv}, {"as_flags_valid", &afv}, {"as_flags_off", &afo},
        {"as_flags_val", &afval}, {"nh_valid", &nhv}, {"nh_off", &nho}, {"nh_data", &nhd},
        {"origin", &org}, {"origin_valid", &orgv}, {"med", &med}, {"med_valid", &medv},
        {"lp", &lp}, {"lp_valid", &lpv}, {"comm_valid", &cv}, {"comm_off", &co},
        {"comm_val", &cval}, {"atomic", &atom}, {"agg_valid", &agv}, {"agg_asn", &aga},
        {"agg_ip_off", &agio}, {"agg_ip_data", &agid}, {"old_state", &os}, {"new_state", &ns},
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
        if (get_col(cols, want[k].name, want[k].c)) return NULL;
    /* bounds the rest of the code relies on */
    Py_ssize_t npeers = po.len / 4 - 1;
    if (rt.len < n || el.len < n || ts.len < 8 * n || peer.len < 4 * n || pasn.len < 4 * n ||
        pfo.len < 4 * (n + 1) || apo.len < 4 * (n + 1) || afo.len < 4 * (n + 1) ||
        nho.len < 4 * (n + 1) || co.len < 4 * (n + 1) || agio.len < 4 * (n + 1) ||
        pid.len < 4 * n || med.len < 4 * n || lp.len < 4 * n || aga.len < 4 * n ||
        org.len < n || os.len < 2 * n || ns.len < 2 * n || npeers < 0) {
        PyErr_SetString(PyExc_ValueError, "column buffers are shorter than the batch");
        return NULL;
    }
    /* peers: re-spelled once */
    buf_t o = {0};
    char *peer_txt = (char *)PyMem_RawMalloc((size_t)(npeers ? npeers : 1) * 64);
    int *peer_len = (int *)PyMem_RawMalloc((size_t)(npeers ? npeers : 1) * sizeof(int));
    if (!peer_txt || !peer_len) {
        PyMem_RawFree(peer_txt);
        PyMem_RawFree(peer_len);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t k = 0; k < npeers; k++) {
        int32_t a = i32at(&po, k), b = i32at(&po, k + 1);
        if (a < 0 || b < a || b > pd.len || b - a > 60) {
            peer_len[k] = 0;
            continue;
        }
        peer_len[k] = bgpdump_addr(peer_txt + 64 * k, (const char *)pd.p + a, b - a);
    }
    char tmp[96];
    for (Py_ssize_t i = 0; i < n; i++) {
        int r = rt.p[i] < RT_COUNT ? rt.p[i] : RT_BGP4MP;
        const char *rname = RT_NAMES[r];
        int ap = r == RT_TABLE_DUMP2_AP || r == RT_BGP4MP_AP || r == RT_BGP4MP_ET_AP ||
                 r == RT_BGP4MP_LOCAL_AP || r == RT_BGP4MP_ET_LOCAL_AP;
        int et = r == RT_BGP4MP_ET || r == RT_BGP4MP_ET_AP || r == RT_BGP4MP_ET_LOCAL ||
                 r == RT_BGP4MP_ET_LOCAL_AP;
        int64_t t;
        memcpy(&t, ts.p + 8 * i, 8);
        OUT_STR(rname, strlen(rname));
        OUT_C('|');
        OUT_U32((uint32_t)(t / 1000000));
        if (et) {
            int us = (int)(t % 1000000);
            OUT_RESERVE(8);
            o.p[o.len++] = '.';
            for (int dgt = 100000; dgt; dgt /= 10) o.p[o.len++] = (uint8_t)('0' + us / dgt % 10);
        }
        int e = el.p[i];
        const char *kind = e == EL_STATE ? "|STATE|" : e == EL_WITHDRAW ? "|W|"
                           : e == EL_RIB ? "|B|" : "|A|";
        OUT_STR(kind, strlen(kind));
        int32_t pi = i32at(&peer, i);
        if (pi >= 0 && pi < npeers) OUT_STR(peer_txt + 64 * pi, peer_len[pi]);
        OUT_C('|');
        OUT_U32(u32at(&pasn, i));
        OUT_C('|');
        if (e == EL_STATE) {
            uint16_t a, b;
            memcpy(&a, os.p + 2 * i, 2);
            memcpy(&b, ns.p + 2 * i, 2);
            OUT_U32(a);
            OUT_C('|');
            OUT_U32(b);
            OUT_C('\n');
            continue;
        }
        int32_t fa = i32at(&pfo, i), fb = i32at(&pfo, i + 1);
        if (fa >= 0 && fb >= fa && fb <= pfd.len && fb - fa < 60) {
            const char *txt = (const char *)pfd.p + fa;
            const char *slash = memchr(txt, '/', (size_t)(fb - fa));
            int al = slash ? (int)(slash - txt) : fb - fa;
            int tl = bgpdump_addr(tmp, txt, al);
            OUT_STR(tmp, tl);
            OUT_STR(txt + al, fb - fa - al);
        }
        if (e == EL_WITHDRAW) {
            if (ap) {
                OUT_C('|');
                OUT_U32(u32at(&pid, i));
            }
            OUT_C('\n');
            continue;
        }
        OUT_C('|');
        if (ap) {
            OUT_U32(u32at(&pid, i));
            OUT_C('|');
        }
        /* AS path */
        int32_t pa = i32at(&apo, i), pb = i32at(&apo, i + 1);
        if (pa < 0 || pb < pa || (Py_ssize_t)pb * 4 > apv.len) pa = pb = 0;
        int complex_path = bit(&afv, i);
        int32_t fo = complex_path ? i32at(&afo, i) : 0;
        if (complex_path && (fo < 0 || fo + (pb - pa) > afval.len)) complex_path = 0;
        int prev = 2, space = 0;
        for (int32_t k = pa; k < pb; k++) {
            int flag = complex_path ? afval.p[fo + (k - pa)] : (k == pa ? 0x82 : 2);
            int seg = flag & 0x7f;
            if (flag & 0x80) {
                if (prev != 2) OUT_C(prev == 1 ? '}' : prev == 3 ? ')' : prev == 4 ? ']' : ' ');
                if (space) OUT_C(' ');
                if (seg != 2) OUT_C(seg == 1 ? '{' : seg == 3 ? '(' : seg == 4 ? '[' : ' ');
                space = 0;
                prev = seg;
            }
            if (space) OUT_C(seg == 1 || seg == 4 ? ',' : ' ');
            else space = 1;
            OUT_U32(u32at(&apv, k));
        }
        if (pb > pa && prev != 2) OUT_C(prev == 1 ? '}' : prev == 3 ? ')' : prev == 4 ? ']' : ' ');
        OUT_C('|');
        const char *on = bit(&orgv, i) && org.p[i] < 3 ? ORIGIN_NAMES[org.p[i]] : "INCOMPLETE";
        OUT_STR(on, strlen(on));
        OUT_C('|');
        int32_t na = i32at(&nho, i), nb = i32at(&nho, i + 1);
        if (bit(&nhv, i) && na >= 0 && nb >= na && nb <= nhd.len && nb - na < 60) {
            int tl = bgpdump_addr(tmp, (const char *)nhd.p + na, nb - na);
            OUT_STR(tmp, tl);
        } else {
            OUT_STR("255.255.255.255", 15);
        }
        OUT_C('|');
        OUT_U32(bit(&lpv, i) ? u32at(&lp, i) : 0);
        OUT_C('|');
        OUT_U32(bit(&medv, i) ? u32at(&med, i) : 0);
        if (r != RT_BGP) OUT_C('|'); /* type 5: bgpdump glues communities to the MED */
        int32_t ca = i32at(&co, i), cb = i32at(&co, i + 1);
        if (ca < 0 || cb < ca || (Py_ssize_t)cb * 4 > cval.len) ca = cb = 0;
        for (int32_t k = ca; k < cb; k++) {
            if (k > ca) OUT_C(' ');
            uint32_t v = u32at(&cval, k);
            if (v == 0xFFFFFF01u) OUT_STR("no-export", 9);
            else if (v == 0xFFFFFF02u) OUT_STR("no-advertise", 12);
            else if (v == 0xFFFFFF03u) OUT_STR("local-AS", 8);
            else {
                OUT_U32(v >> 16);
                OUT_C(':');
                OUT_U32(v & 0xffff);
            }
        }
        OUT_C('|');
        if (bit(&atom, i)) OUT_STR("AG|", 3);
        else OUT_STR("NAG|", 4);
        if (bit(&agv, i)) {
            int32_t ga = i32at(&agio, i), gb = i32at(&agio, i + 1);
            OUT_U32(u32at(&aga, i));
            OUT_C(' ');
            if (ga >= 0 && gb >= ga && gb <= agid.len) OUT_STR(agid.p + ga, gb - ga);
        }
        OUT_STR("|\n", 2);
    }
    PyMem_RawFree(peer_txt);
    PyMem_RawFree(peer_len);
    PyObject *res = PyBytes_FromStringAndSize((const char *)o.p, (Py_ssize_t)o.len);
    PyMem_RawFree(o.p);
    return res;
}

static PyObject *py_format_ip(PyObject *self, PyObject *arg) {
    Py_buffer v;
    if (PyObject_GetBuffer(arg, &v, PyBUF_SIMPLE)) return NULL;
    char s[64];
    int n;
    if (v.len == 4) n = fmt_ipv4(s, (const uint8_t *)v.buf);
    else if (v.len == 16) n = fmt_ipv6(s, (const uint8_t *)v.buf);
    else {
        PyBuffer_Release(&v);
        PyErr_SetString(PyExc_ValueError, "need 4 or 16 bytes");
        return NULL;
    }
    PyBuffer_Release(&v);
    return PyUnicode_FromStringAndSize(s, n);
}

static PyMethodDef module_methods[] = {
    {"format_ip", py_format_ip, METH_O, "Text of a 4- or 16-byte address (RFC 5952)."},
    {"format_bgpdump", py_format_bgpdump, METH_O,
     "bgpdump -m lines (bytes) of a batch, from the decoder's column dict."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_mrt", "Native MRT decoder.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__mrt(void) {
    init_octets();
    if (PyType_Ready(&DecoderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    DecodeError = PyErr_NewException("nethealth.formats._mrt.DecodeError", PyExc_ValueError, NULL);
    if (!DecodeError) return NULL;
    Py_INCREF(&DecoderType);
    PyModule_AddObject(m, "Decoder", (PyObject *)&DecoderType);
    PyModule_AddObject(m, "DecodeError", DecodeError);
    return m;
}
