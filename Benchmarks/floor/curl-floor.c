/*
 * curl-floor: the least CPU a reverse proxy that forwards through libcurl's multi interface spends
 * on one small proxied request. It is a measuring instrument for `make bench` (contestant
 * "curl-floor", scenarios A and C), not part of the gateway: see Docs/benchmarks.md.
 *
 * It does the work the gateway does for scenario A's GET and nothing more, with none of the
 * gateway's costs that are not libcurl's or the kernel's: one thread, one epoll for client
 * connections and libcurl's sockets (no thread hop), no HTTP library (the request head is scanned
 * in place), no allocation per request of its own, and pooled easy handles. Per request it
 *   - reads the request head and checks the route (`/fn` and below),
 *   - forwards it through libcurl with the client's header lines and the forwarding headers
 *     (Host, X-Request-Id, X-Forwarded-For/-Proto/-Host), on a pooled keep-alive connection,
 *   - answers with the backend's status and header lines (hop-by-hop and the backend's own CORS
 *     lines dropped), the route's CORS lines for an allowed Origin, Vary, X-Request-Id,
 *     Content-Length and the body, in one write,
 *   - appends an access line (the gateway's fields) to a buffer written once per epoll pass.
 * Only bodiless requests and responses that fit one buffer (16 KiB) are handled (A's and C's); anything
 * else is answered 501, which the bench counts as an error.
 *
 * libcurl's sockets are registered with epoll once, edge-triggered, when libcurl opens them
 * (CURLOPT_OPENSOCKETFUNCTION) and removed when it closes them, so a request on a pooled
 * connection costs no epoll_ctl; libcurl's timer is kept as a deadline for epoll_wait. An epoll
 * pass that saw any of libcurl's sockets ready, or that started transfers, ends with one
 * curl_multi_perform: on A's load that costs 1 µs less per request than a
 * curl_multi_socket_action call per ready socket and per timeout (each re-reads the clock and
 * walks libcurl's timer tree), so it is the floor.
 *
 * Usage: curl-floor PORT BACKEND_PORT   (prints "listening on 127.0.0.1:PORT"; access lines to stdout)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP 8192
#define HEAD_CAP 8192
#define BODY_CAP 16384
#define OUT_CAP (HEAD_CAP + BODY_CAP + 1024)
#define MAX_FIELDS 64
#define LOG_CAP (1 << 20)
#define TAG_LISTEN 0
#define TAG_CLIENT 1
#define TAG_CURL 2
#define MAX_FDS 65536

struct tag { int kind; int fd; void *conn; };
static struct tag curl_tags[MAX_FDS]; /* libcurl's sockets, by descriptor */

struct conn {
    struct tag tag;
    int fd;
    char in[IN_CAP];
    size_t in_len;
    int busy;                   /* a transfer is in flight */
    int close_after;            /* close once the response is written */
    int gone;                   /* the client closed or failed: close when the transfer ends */
    CURL *easy;
    struct curl_slist nodes[MAX_FIELDS + 8];
    char lines[IN_CAP + 512];   /* the upstream header lines, NUL-terminated, that nodes point into */
    char url[2048];
    char head[HEAD_CAP];        /* the backend's header lines */
    size_t head_len;
    int head_overflow;
    char body[BODY_CAP];
    size_t body_len;
    int body_overflow;
    char origin[256];
    int origin_allowed;
    char method[16];
    char path[1024];
    char request_id[33];
    struct timespec started;
    struct conn *next_waiting;  /* in the queue for a backend connection */
    char out[OUT_CAP];
    size_t out_len, out_sent;
};

static int epfd;
static int backend_port;
static CURLM *multi;
static long curl_deadline_ms = -1; /* libcurl's timer: -1 none, else CLOCK_MONOTONIC ms */
/* At most MAX_TRANSFERS transfers in the multi handle (the gateway's `maxConnections` of the
 * bench's backend); the rest wait in a FIFO here, as in the gateway, not in libcurl's pending
 * list, which 7.88 walks on every transfer's end. */
#define MAX_TRANSFERS 256
static int transfers;
static struct conn *waiting_head, *waiting_tail;
static CURL *pool[4096];
static int pool_len;
static char log_buf[LOG_CAP];
static size_t log_len;
static uint64_t id_state = 0x9e3779b97f4a7c15ULL;

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static uint64_t splitmix64(void) {
    uint64_t z = (id_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void new_request_id(char out[33]) {
    static const char hex[] = "0123456789abcdef";
    uint64_t a = splitmix64(), b = splitmix64();
    for (int i = 0; i < 16; i++) {
        out[i] = hex[(a >> (60 - 4 * i)) & 15];
        out[16 + i] = hex[(b >> (60 - 4 * i)) & 15];
    }
    out[32] = 0;
}

/* The bench policy's allow-list: two exact origins and https://<labels>.example.org. */
static int origin_allowed(const char *o) {
    if (!strcmp(o, "https://app.example.com") || !strcmp(o, "https://admin.example.com")) return 1;
    if (strncmp(o, "https://", 8)) return 0;
    const char *host = o + 8;
    size_t n = strlen(host), suffix = strlen(".example.org");
    if (n <= suffix || strcmp(host + n - suffix, ".example.org")) return 0;
    for (size_t i = 0; i < n - suffix; i++) {
        char c = host[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return 0;
    }
    return host[0] != '.';
}

/* `name` (len bytes) is one of `names` (lowercase, NULL-terminated), ignoring ASCII case. */
static int name_in(const char *const *names, const char *name, size_t len) {
    for (; *names; names++)
        if (strlen(*names) == len && !strncasecmp(name, *names, len)) return 1;
    return 0;
}

/* Request fields never forwarded (Host and Content-Length are the proxy's own). */
static const char *const hop_by_hop[] = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
                                         "transfer-encoding", "upgrade", "host", "content-length", NULL};
/* Backend fields never passed on: hop-by-hop, framing, and what the route's CORS lines replace. */
static const char *const dropped_response_fields[] = {
    "connection", "keep-alive", "transfer-encoding", "content-length", "access-control-allow-origin",
    "access-control-allow-credentials", "access-control-expose-headers", "vary", NULL};

/* Appends to a fixed buffer; what does not fit marks it overflowed (the request is answered 501). */
static size_t append_capped(char *buf, size_t *len, size_t cap, int *overflow, const char *p, size_t n) {
    if (*len + n > cap) *overflow = 1;
    else { memcpy(buf + *len, p, n); *len += n; }
    return n;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata) {
    struct conn *c = userdata;
    return append_capped(c->head, &c->head_len, HEAD_CAP, &c->head_overflow, p, size * n);
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata) {
    struct conn *c = userdata;
    return append_capped(c->body, &c->body_len, BODY_CAP, &c->body_overflow, p, size * n);
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
    (void)clientp; (void)purpose;
    int fd = socket(a->family, a->socktype, a->protocol);
    if (fd < 0) return CURL_SOCKET_BAD;
    if (fd >= MAX_FDS) { close(fd); return CURL_SOCKET_BAD; }
    struct tag *t = &curl_tags[fd];
    t->kind = TAG_CURL; t->fd = fd; t->conn = NULL;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = t};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    return fd;
}

static int close_socket(void *clientp, curl_socket_t fd) {
    (void)clientp;
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    return close(fd);
}

static int on_timer(CURLM *m, long timeout_ms, void *userp) {
    (void)m; (void)userp;
    curl_deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    return 0;
}

static CURL *take_easy(void) {
    if (pool_len) return pool[--pool_len];
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    return e;
}

static void log_access(struct conn *c, long status, double upstream_ms) {
    if (log_len + 1024 > LOG_CAP) return;
    struct timespec now, wall;
    clock_gettime(CLOCK_MONOTONIC, &now);
    clock_gettime(CLOCK_REALTIME, &wall);
    struct tm tm;
    gmtime_r(&wall.tv_sec, &tm);
    double total_ms = (now.tv_sec - c->started.tv_sec) * 1e3 + (now.tv_nsec - c->started.tv_nsec) / 1e6;
    log_len += snprintf(log_buf + log_len, LOG_CAP - log_len,
        "time=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=info logger=curl-floor.access msg=request "
        "bytes_in=0 bytes_out=%zu completed=true cors=%s method=%s path=%s protocol=HTTP/1.1 "
        "request_id=%s route=fn status=%ld total_ms=%.3f upstream_ms=%.3f\n",
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
        wall.tv_nsec / 1000000L, c->body_len, c->origin_allowed ? "origin-allowed" : "origin-not-allowed",
        c->method, c->path, c->request_id, status, total_ms, upstream_ms);
}

/* Each of these returns 0 when c was closed and freed (c must not be used after that). */
static int close_conn(struct conn *c) {
    if (c->busy) { c->gone = 1; return 1; } /* closed when its transfer ends */
    close(c->fd);
    free(c);
    return 0;
}

static int flush_out(struct conn *c) {
    while (c->out_sent < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_sent, c->out_len - c->out_sent);
        if (n > 0) { c->out_sent += n; continue; }
        if (n < 0 && errno == EAGAIN) return 1; /* the EPOLLOUT edge resumes it */
        return close_conn(c);
    }
    return c->close_after ? close_conn(c) : 1;
}

static int answer_local(struct conn *c, int status, const char *reason) {
    c->out_len = snprintf(c->out, OUT_CAP, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                          status, reason);
    c->out_sent = 0;
    c->close_after = 1;
    return flush_out(c);
}

#define APPEND(s, n) do { memcpy(o + len, (s), (n)); len += (n); } while (0)
#define APPEND_LIT(s) APPEND(s, sizeof(s) - 1)

static int transfer_done(struct conn *c, CURLcode result) {
    double upstream_s = 0;
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME, &upstream_s);
    curl_multi_remove_handle(multi, c->easy);
    transfers--;
    if (waiting_head) {
        struct conn *w = waiting_head;
        waiting_head = w->next_waiting;
        if (!waiting_head) waiting_tail = NULL;
        transfers++;
        curl_multi_add_handle(multi, w->easy);
    }
    pool[pool_len++] = c->easy;
    c->easy = NULL;
    c->busy = 0;
    if (c->gone) return close_conn(c);
    if (result != CURLE_OK || c->head_overflow || c->body_overflow || status < 200) {
        int failed = result != CURLE_OK; /* else a response this floor does not handle */
        log_access(c, failed ? 502 : 501, upstream_s * 1e3);
        return answer_local(c, failed ? 502 : 501, failed ? "Bad Gateway" : "Not Implemented");
    }
    char *o = c->out;
    size_t len = 0;
    /* The backend's header lines as libcurl delivered them: the status line first, then fields. */
    const char *p = c->head, *end = c->head + c->head_len;
    int first = 1;
    while (p < end) {
        const char *eol = memchr(p, '\n', end - p);
        if (!eol) break;
        size_t line_len = eol - p + 1;
        if (first) {
            len += snprintf(o, OUT_CAP, "HTTP/1.1 %ld OK\r\n", status);
            first = 0;
        } else if (line_len > 2) {
            const char *colon = memchr(p, ':', line_len);
            if (colon && !name_in(dropped_response_fields, p, colon - p)) APPEND(p, line_len);
        }
        p = eol + 1;
    }
    if (c->origin_allowed) {
        APPEND_LIT("Access-Control-Allow-Origin: ");
        APPEND(c->origin, strlen(c->origin));
        APPEND_LIT("\r\nAccess-Control-Allow-Credentials: true\r\nAccess-Control-Expose-Headers: x-request-id\r\n");
    }
    APPEND_LIT("Vary: Origin\r\nX-Request-Id: ");
    APPEND(c->request_id, 32);
    len += snprintf(o + len, OUT_CAP - len, "\r\nContent-Length: %zu\r\n\r\n", c->body_len);
    APPEND(c->body, c->body_len);
    c->out_len = len;
    c->out_sent = 0;
    log_access(c, status, upstream_s * 1e3);
    return flush_out(c);
}

/* A complete request head is in c->in[0..head_end): route it and start its transfer. */
static void dispatch(struct conn *c, size_t head_end) {
    char *p = c->in, *end = c->in + head_end;
    char *sp1 = memchr(p, ' ', end - p);
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', end - sp1 - 1) : NULL;
    if (!sp1 || !sp2 || sp1 - p >= (long)sizeof c->method || sp2 - sp1 - 1 >= (long)sizeof c->path) {
        answer_local(c, 400, "Bad Request");
        return;
    }
    memcpy(c->method, p, sp1 - p); c->method[sp1 - p] = 0;
    size_t path_len = sp2 - sp1 - 1;
    memcpy(c->path, sp1 + 1, path_len); c->path[path_len] = 0;
    if (strncmp(c->path, "/fn", 3) || (c->path[3] && c->path[3] != '/' && c->path[3] != '?')) {
        answer_local(c, 404, "Not Found");
        return;
    }
    if (strcmp(c->method, "GET") && strcmp(c->method, "HEAD")) {
        answer_local(c, 501, "Not Implemented");
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    new_request_id(c->request_id);
    c->origin[0] = 0;
    const char *host = "", *host_end = host;
    /* Upstream header lines, each NUL-terminated in c->lines, linked through c->nodes. */
    char *l = c->lines;
    int nodes = 0;
#define ADD_LINE(...) do { int w = sprintf(l, __VA_ARGS__); c->nodes[nodes].data = l; \
        c->nodes[nodes].next = NULL; if (nodes) c->nodes[nodes - 1].next = &c->nodes[nodes]; nodes++; l += w + 1; } while (0)
    char *line = memchr(p, '\n', end - p) + 1;
    while (line < end - 2) {
        char *eol = memchr(line, '\n', end - line);
        char *colon = memchr(line, ':', eol - line);
        if (!colon || nodes >= MAX_FIELDS) { answer_local(c, 400, "Bad Request"); return; }
        size_t name_len = colon - line;
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t') value++;
        char *value_end = eol;
        while (value_end > value && (value_end[-1] == '\r' || value_end[-1] == ' ')) value_end--;
        if (name_len == 4 && !strncasecmp(line, "host", 4)) { host = value; host_end = value_end; }
        else if (name_len == 6 && !strncasecmp(line, "origin", 6) && value_end - value < (long)sizeof c->origin) {
            memcpy(c->origin, value, value_end - value);
            c->origin[value_end - value] = 0;
        }
        if (name_len == 10 && !strncasecmp(line, "connection", 10) && value_end - value == 5
            && !strncasecmp(value, "close", 5)) c->close_after = 1;
        if (!name_in(hop_by_hop, line, name_len) && !memchr(line, '_', name_len))
            ADD_LINE("%.*s: %.*s", (int)name_len, line, (int)(value_end - value), value);
        line = eol + 1;
    }
    c->origin_allowed = c->origin[0] && origin_allowed(c->origin);
    ADD_LINE("Host: 127.0.0.1:%d", backend_port);
    ADD_LINE("X-Request-Id: %s", c->request_id);
    ADD_LINE("X-Forwarded-For: 127.0.0.1");
    ADD_LINE("X-Forwarded-Proto: http");
    ADD_LINE("X-Forwarded-Host: %.*s", (int)(host_end - host), host);
    ADD_LINE("Expect:");
#undef ADD_LINE
    snprintf(c->url, sizeof c->url, "http://127.0.0.1:%d%s", backend_port, c->path);
    c->head_len = c->body_len = 0;
    c->head_overflow = c->body_overflow = 0;
    c->easy = take_easy();
    curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->nodes);
    curl_easy_setopt(c->easy, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
    if (c->method[0] == 'H') curl_easy_setopt(c->easy, CURLOPT_NOBODY, 1L);
    else curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    c->busy = 1;
    /* The head is consumed; bytes after it (a pipelined request) wait for this response. */
    memmove(c->in, c->in + head_end, c->in_len - head_end);
    c->in_len -= head_end;
    if (transfers < MAX_TRANSFERS) {
        transfers++;
        curl_multi_add_handle(multi, c->easy);
    } else {
        c->next_waiting = NULL;
        if (waiting_tail) waiting_tail->next_waiting = c; else waiting_head = c;
        waiting_tail = c;
    }
}

static void try_dispatch(struct conn *c) {
    if (c->busy || c->close_after || c->out_sent < c->out_len) return;
    char *h = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (h) dispatch(c, h - c->in + 4);
    else if (c->in_len == IN_CAP) answer_local(c, 431, "Request Header Fields Too Large");
}

static void client_readable(struct conn *c) {
    for (;;) {
        if (c->in_len == IN_CAP) break;
        ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
        if (n > 0) { c->in_len += n; continue; }
        if (n < 0 && errno == EAGAIN) break;
        close_conn(c); /* EOF or error */
        return;
    }
    try_dispatch(c);
}

static void accept_clients(int lfd) {
    for (int i = 0; i < 64; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0) return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        c->fd = fd;
        c->tag.kind = TAG_CLIENT; c->tag.fd = fd; c->tag.conn = c;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &c->tag};
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

static void reap_transfers(void) {
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        struct conn *c;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (transfer_done(c, m->data.result)) try_dispatch(c);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: curl-floor PORT BACKEND_PORT\n"); return 2; }
    int port = atoi(argv[1]);
    backend_port = atoi(argv[2]);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 256L);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 256L);
    epfd = epoll_create1(0);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) { perror("listen"); return 1; }
    struct tag listen_tag = {.kind = TAG_LISTEN, .fd = lfd};
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listen_tag};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    fprintf(stderr, "listening on 127.0.0.1:%d\n", port);

    struct epoll_event events[256];
    int running, curl_ready = 0;
    for (;;) {
        int timeout = -1;
        if (curl_deadline_ms >= 0) {
            long left = curl_deadline_ms - now_ms();
            timeout = left < 0 ? 0 : (int)left;
        }
        int n = epoll_wait(epfd, events, 256, timeout);
        for (int i = 0; i < n; i++) {
            struct tag *t = events[i].data.ptr;
            uint32_t ev = events[i].events;
            if (t->kind == TAG_LISTEN) accept_clients(t->fd);
            else if (t->kind == TAG_CLIENT) {
                struct conn *c = t->conn;
                if (ev & EPOLLOUT && c->out_sent < c->out_len && !flush_out(c)) continue;
                if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) client_readable(c);
            } else {
                curl_ready = 1;
            }
        }
        /* New transfers set a 0 ms timer: they, ready sockets and expired timers are all served
         * by one pass of libcurl over its transfers. */
        if (curl_ready || (curl_deadline_ms >= 0 && curl_deadline_ms <= now_ms())) {
            curl_ready = 0;
            curl_deadline_ms = -1;
            curl_multi_perform(multi, &running);
        }
        reap_transfers();
        if (log_len) {
            ssize_t w = write(STDOUT_FILENO, log_buf, log_len);
            (void)w; /* a full or slow stdout drops the batch, as the gateway's writer does */
            log_len = 0;
        }
    }
}
