/*
 * capture.c - the firewall's captures of locally sent traffic, read from
 * an nftables JSON ruleset: each output-hook base chain is followed rule by
 * rule (jumps and gotos included), gathering the exclusions traffic passes
 * (return/accept on a mark, a uid, destinations) before a rule takes it.
 * Pure: the text comes from capture_linux.c, or from a test's recording.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "uplink.h"

#define MAX_DEPTH 8

/* What rules before the one looked at let through untouched. */
struct exempt {
	struct capture_exempt e;
	bool narrowed; /* who passes is not known */
};

struct walk {
	struct capture_set *s;
	json_t *items; /* the "nftables" array */
	const char *family, *table, *type;
	bool failed;
};

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *
str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* The meta key or payload field an operand reads: "mark", "skuid",
 * "l4proto", "daddr"...; mask gets an "&" operand's mask. */
static const char *
operand(json_t *left, unsigned *mask)
{
	json_t *and, *m, *p;

	*mask = 0xffffffffu;
	if ((and = json_object_get(left, "&")) != NULL && json_is_array(and) &&
	    json_array_size(and) == 2) {
		*mask = (unsigned)json_integer_value(json_array_get(and, 1));
		left = json_array_get(and, 0);
	}
	if ((m = json_object_get(left, "meta")) != NULL)
		return str(m, "key");
	if ((p = json_object_get(left, "payload")) != NULL) {
		const char *proto = str(p, "protocol"), *f = str(p, "field");

		if ((!strcmp(proto, "ip") || !strcmp(proto, "ip6")) &&
		    (!strcmp(f, "daddr") || !strcmp(f, "protocol") ||
		        !strcmp(f, "nexthdr")))
			return f;
		return "payload";
	}
	/* fib, ct, socket...: named by their own key, for the report. */
	if (json_is_object(left) && json_object_iter(left) != NULL)
		return json_object_iter_key(json_object_iter(left));
	return "";
}

/* A right-hand value as text: 8228, "tcp", 10.0.0.0/8, {a, b}. */
static void
value_text(json_t *v, char *buf, size_t len)
{
	json_t *p, *set;
	size_t i;

	buf[0] = '\0';
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if ((p = json_object_get(v, "prefix")) != NULL)
		snprintf(buf, len, "%s/%lld", str(p, "addr"),
		    (long long)json_integer_value(json_object_get(p, "len")));
	else if ((p = json_object_get(v, "range")) != NULL &&
	    json_array_size(p) == 2) {
		char a[64], b[64];

		value_text(json_array_get(p, 0), a, sizeof(a));
		value_text(json_array_get(p, 1), b, sizeof(b));
		snprintf(buf, len, "%s-%s", a, b);
	} else if ((set = json_object_get(v, "set")) != NULL ||
	    (json_is_array(v) && (set = v) != NULL)) {
		char one[96];

		append(buf, len, "{");
		for (i = 0; i < json_array_size(set); i++) {
			json_t *e = json_array_get(set, i);

			if (json_object_get(e, "elem") != NULL)
				e = json_object_get(json_object_get(e, "elem"),
				    "val");
			value_text(e, one, sizeof(one));
			append(buf, len, "%s%s", i ? ", " : "", one);
		}
		append(buf, len, "}");
	} else
		snprintf(buf, len, "?");
}

static unsigned
protos_of(const char *text)
{
	unsigned p = 0;

	if (strstr(text, "tcp") || !strcmp(text, "6") || strstr(text, "{6"))
		p |= CAPTURE_TCP;
	if (strstr(text, "udp") || !strcmp(text, "17"))
		p |= CAPTURE_UDP;
	return p;
}

/* A rule's conditions, read into "what it selects". */
struct conds {
	unsigned protos; /* 0: any */
	bool has_mark, mark_neg;
	unsigned mark, mask;
	bool has_uid, uid_neg;
	unsigned uid;
	char dest[200];
	bool dest_neg;
	char other[160]; /* conditions we do not evaluate */
	int n;           /* conditions in all */
};

static void
read_match(json_t *m, struct conds *c)
{
	const char *op = str(m, "op"), *key;
	json_t *right = json_object_get(m, "right");
	bool neg = !strcmp(op, "!=");
	unsigned mask;
	char text[200];

	key = operand(json_object_get(m, "left"), &mask);
	value_text(right, text, sizeof(text));
	c->n++;
	if (!strcmp(key, "mark") && json_is_integer(right) &&
	    (neg || !strcmp(op, "==") || !strcmp(op, "in"))) {
		c->has_mark = true;
		c->mark_neg = neg;
		c->mark = (unsigned)json_integer_value(right);
		c->mask = mask;
	} else if (!strcmp(key, "skuid") && json_is_integer(right) &&
	    (neg || !strcmp(op, "=="))) {
		c->has_uid = true;
		c->uid_neg = neg;
		c->uid = (unsigned)json_integer_value(right);
	} else if ((!strcmp(key, "l4proto") || !strcmp(key, "protocol") ||
	               !strcmp(key, "nexthdr")) &&
	    !neg && protos_of(text)) {
		c->protos = protos_of(text);
		c->n--; /* narrows the protocols, reported apart */
	} else if (!strcmp(key, "daddr")) {
		snprintf(c->dest, sizeof(c->dest), "%s", text);
		c->dest_neg = neg;
	} else
		append(c->other, sizeof(c->other), "%s%s %s %s",
		    c->other[0] ? " and " : "", key[0] ? key : "?", op, text);
}

static void
add_mark(unsigned *marks, unsigned *masks, size_t *n, unsigned mark,
    unsigned mask)
{
	if (*n < CAPTURE_MAX_MARKS) {
		marks[*n] = mark;
		masks[*n] = mask;
		(*n)++;
	}
}

/* A return/accept rule with these conditions: what it exempts. */
static void
exempt_by(struct exempt *x, const struct conds *c)
{
	if (c->n == 1 && c->has_mark && !c->mark_neg)
		add_mark(x->e.marks, x->e.masks, &x->e.nmarks, c->mark,
		    c->mask);
	else if (c->n == 1 && c->has_uid && !c->uid_neg) {
		if (x->e.nuids < CAPTURE_MAX_UIDS)
			x->e.uids[x->e.nuids++] = c->uid;
	} else if (c->n == 1 && c->dest[0] && !c->dest_neg)
		append(x->e.dests, sizeof(x->e.dests), "%s%s",
		    x->e.dests[0] ? ", " : "", c->dest);
	else if (c->n > 0 || c->other[0]) {
		char t[160] = "";

		if (c->has_mark)
			append(t, sizeof(t), "mark %s0x%x ",
			    c->mark_neg ? "!= " : "", c->mark);
		if (c->has_uid)
			append(t, sizeof(t), "uid %s%u ",
			    c->uid_neg ? "!= " : "", c->uid);
		if (c->dest[0])
			append(t, sizeof(t), "daddr %s%s ",
			    c->dest_neg ? "!= " : "", c->dest);
		append(t, sizeof(t), "%s", c->other);
		append(x->e.other, sizeof(x->e.other), "%s(%s)",
		    x->e.other[0] ? ", " : "", t);
		/* Who passes here is not known: may be the caller. */
		x->narrowed = true;
	}
}

static int
add_capture(struct walk *w, json_t *rule, const struct exempt *x0,
    const struct conds *c, enum capture_action a, bool xt, const char *to)
{
	struct capture_rule *r;
	struct exempt x = *x0;

	if (w->s->n == w->s->cap) {
		size_t cap = w->s->cap ? w->s->cap * 2 : 8;
		struct capture_rule *v = realloc(w->s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		w->s->v = v;
		w->s->cap = cap;
	}
	r = &w->s->v[w->s->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->family, sizeof(r->family), "%s", w->family);
	snprintf(r->table, sizeof(r->table), "%s", w->table);
	snprintf(r->chain, sizeof(r->chain), "%s", str(rule, "chain"));
	snprintf(r->type, sizeof(r->type), "%s", w->type);
	r->handle =
	    (unsigned)json_integer_value(json_object_get(rule, "handle"));
	r->action = a;
	r->xt = xt;
	r->protos = c->protos ? c->protos : CAPTURE_ALL;
	snprintf(r->to, sizeof(r->to), "%s", to);
	/* Its own negated conditions exempt too ("mark != 0x2024 redirect"). */
	if (c->has_mark && c->mark_neg)
		add_mark(x.e.marks, x.e.masks, &x.e.nmarks, c->mark, c->mask);
	if (c->has_uid && c->uid_neg && x.e.nuids < CAPTURE_MAX_UIDS)
		x.e.uids[x.e.nuids++] = c->uid;
	if (c->dest[0] && c->dest_neg)
		append(x.e.dests, sizeof(x.e.dests), "%s%s",
		    x.e.dests[0] ? ", " : "", c->dest);
	if ((c->has_mark && !c->mark_neg) || (c->has_uid && !c->uid_neg) ||
	    (c->dest[0] && !c->dest_neg) || c->other[0]) {
		char t[160] = "";

		if (c->has_mark && !c->mark_neg)
			append(t, sizeof(t), "mark 0x%x ", c->mark);
		if (c->has_uid && !c->uid_neg)
			append(t, sizeof(t), "uid %u ", c->uid);
		if (c->dest[0] && !c->dest_neg)
			append(t, sizeof(t), "daddr %s ", c->dest);
		append(t, sizeof(t), "%s", c->other);
		append(x.e.other, sizeof(x.e.other), "%sonly when %s",
		    x.e.other[0] ? ", " : "", t);
		x.narrowed = true;
	}
	r->ex = x.e;
	/* Kept in other's text: capture_takes reads it. */
	if (x.narrowed && r->ex.other[0] == '\0')
		snprintf(r->ex.other, sizeof(r->ex.other), "(conditions)");
	return 0;
}

static void walk_chain(struct walk *w, const char *chain, struct exempt *x,
    int depth);

/* Port (and address) of a redirect/dnat/tproxy statement. */
static void
nat_to(json_t *st, char *to, size_t len)
{
	json_t *addr = json_object_get(st, "addr"),
	       *port = json_object_get(st, "port");
	char a[64] = "", p[32] = "";

	if (addr != NULL)
		value_text(addr, a, sizeof(a));
	if (port != NULL)
		value_text(port, p, sizeof(p));
	snprintf(to, len, "%s%s%s", a, p[0] ? ":" : "", p);
}

/* What an iptables target does to locally sent traffic; -1: nothing of
 * ours (a MARK outside a route chain reroutes nothing). */
static int
xt_target(const char *name, const char *type, enum capture_action *a)
{
	static const struct {
		const char *name;
		enum capture_action a;
	} t[] = { { "REDIRECT", CAPTURE_REDIRECT }, { "DNAT", CAPTURE_DNAT },
		{ "TPROXY", CAPTURE_TPROXY }, { "MARK", CAPTURE_REROUTE },
		{ "REJECT", CAPTURE_DROP } };
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(name, t[i].name) == 0) {
			if (t[i].a == CAPTURE_REROUTE && strcmp(type, "route"))
				return -1;
			*a = t[i].a;
			return 0;
		}
	return -1;
}

/* One rule; returns true when its verdict ends the chain for everything
 * (an unconditional return, accept, drop, goto). */
static bool
walk_rule(struct walk *w, json_t *rule, struct exempt *x, int depth)
{
	json_t *exprs = json_object_get(rule, "expr"), *e, *v;
	struct conds c = { 0 };
	enum capture_action xa;
	size_t i;
	char to[64];

	for (i = 0; i < json_array_size(exprs); i++) {
		e = json_array_get(exprs, i);
		if ((v = json_object_get(e, "match")) != NULL)
			read_match(v, &c);
		else if ((v = json_object_get(e, "xt")) != NULL) {
			const char *name = str(v, "name");

			if (!strcmp(str(v, "type"), "match")) {
				c.n++;
				append(c.other, sizeof(c.other),
				    "%sxt %s "
				    "match (not readable as JSON)",
				    c.other[0] ? " and " : "", name);
				continue;
			}
			/* iptables-nft targets: their details are not in
			 * the JSON (struct xt_*_info). */
			if (xt_target(name, w->type, &xa) < 0)
				continue;
			w->failed |=
			    add_capture(w, rule, x, &c, xa, true, "") < 0;
			return c.n == 0;
		} else if ((v = json_object_get(e, "redirect")) != NULL) {
			nat_to(v, to, sizeof(to));
			w->failed |= add_capture(w, rule, x, &c,
			                 CAPTURE_REDIRECT, false, to) < 0;
			return c.n == 0;
		} else if ((v = json_object_get(e, "dnat")) != NULL) {
			nat_to(v, to, sizeof(to));
			w->failed |= add_capture(w, rule, x, &c, CAPTURE_DNAT,
			                 false, to) < 0;
			return c.n == 0;
		} else if ((v = json_object_get(e, "tproxy")) != NULL) {
			nat_to(v, to, sizeof(to));
			w->failed |= add_capture(w, rule, x, &c, CAPTURE_TPROXY,
			                 false, to) < 0;
			return c.n == 0;
		} else if ((v = json_object_get(e, "mangle")) != NULL &&
		    !strcmp(w->type, "route")) {
			unsigned mask;
			char val[48];

			if (strcmp(operand(json_object_get(v, "key"), &mask),
			        "mark") != 0)
				continue;
			if (json_is_integer(json_object_get(v, "value")))
				snprintf(val, sizeof(val), "0x%llx",
				    (unsigned long long)json_integer_value(
				        json_object_get(v, "value")));
			else
				value_text(json_object_get(v, "value"), val,
				    sizeof(val));
			snprintf(to, sizeof(to), "mark %s", val);
			w->failed |= add_capture(w, rule, x, &c,
			                 CAPTURE_REROUTE, false, to) < 0;
		} else if (json_object_get(e, "drop") != NULL ||
		    json_object_get(e, "reject") != NULL) {
			w->failed |= add_capture(w, rule, x, &c, CAPTURE_DROP,
			                 false, "") < 0;
			return c.n == 0 && c.protos == 0;
		} else if (json_object_get(e, "return") != NULL ||
		    json_object_get(e, "accept") != NULL) {
			if (c.n == 0 && c.protos == 0)
				return true;
			exempt_by(x, &c);
			return false;
		} else if ((v = json_object_get(e, "jump")) != NULL ||
		    (v = json_object_get(e, "goto")) != NULL) {
			struct exempt sub = *x;
			bool go = json_object_get(e, "goto") != NULL;

			/* A conditional jump: its chain sees only what the
			 * conditions select; followed as if all went. */
			if (depth < MAX_DEPTH)
				walk_chain(w, str(v, "target"), &sub,
				    depth + 1);
			return go && c.n == 0;
		}
	}
	return false;
}

static void
walk_chain(struct walk *w, const char *chain, struct exempt *x, int depth)
{
	size_t i;
	json_t *it, *r;

	json_array_foreach(w->items, i, it)
	{
		if ((r = json_object_get(it, "rule")) == NULL)
			continue;
		if (strcmp(str(r, "family"), w->family) ||
		    strcmp(str(r, "table"), w->table) ||
		    strcmp(str(r, "chain"), chain))
			continue;
		if (walk_rule(w, r, x, depth))
			return;
	}
}

int
capture_parse_json(struct capture_set *s, const char *json, char *why,
    size_t whylen)
{
	json_error_t err;
	json_t *root = json_loads(json, 0, &err), *items, *it, *ch;
	size_t i;
	struct walk w = { .s = s };

	if (root == NULL) {
		snprintf(why, whylen, "not JSON (line %d: %s)", err.line,
		    err.text);
		return -1;
	}
	items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		json_decref(root);
		snprintf(why, whylen, "no \"nftables\" array");
		return -1;
	}
	w.items = items;
	json_array_foreach(items, i, it)
	{
		struct exempt x = { 0 };
		const char *fam;

		if ((ch = json_object_get(it, "chain")) == NULL ||
		    strcmp(str(ch, "hook"), "output") != 0)
			continue;
		fam = str(ch, "family");
		/* Locally sent IP traffic passes ip, ip6 and inet chains. */
		if (strcmp(fam, "ip") && strcmp(fam, "ip6") &&
		    strcmp(fam, "inet"))
			continue;
		w.family = fam;
		w.table = str(ch, "table");
		w.type = str(ch, "type");
		walk_chain(&w, str(ch, "name"), &x, 0);
	}
	json_decref(root);
	if (w.failed) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

void
capture_set_free(struct capture_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static const char *
action_name(enum capture_action a)
{
	switch (a) {
	case CAPTURE_REDIRECT:
		return "redirect";
	case CAPTURE_DNAT:
		return "dnat";
	case CAPTURE_TPROXY:
		return "tproxy";
	case CAPTURE_REROUTE:
		return "mark for rerouting";
	case CAPTURE_DROP:
		return "drop";
	}
	return "?";
}

void
capture_describe(const struct capture_rule *r, char *buf, size_t len)
{
	size_t i;
	bool any = false;

	snprintf(buf, len, "%s %s %s %s (%s, rule %u): %s%s%s",
	    r->xt ? "iptables-nft" : "nftables", r->family, r->table, r->chain,
	    r->type, r->handle, action_name(r->action),
	    r->protos == CAPTURE_TCP     ? " tcp" :
	        r->protos == CAPTURE_UDP ? " udp" :
	                                   "",
	    r->xt ? " (xt target)" : "");
	if (r->to[0])
		append(buf, len, " to %s", r->to);
	for (i = 0; i < r->ex.nmarks; i++) {
		append(buf, len, "%s mark 0x%x",
		    any ? "," : "; exempt:", r->ex.marks[i]);
		if (r->ex.masks[i] != 0xffffffffu)
			append(buf, len, "/0x%x", r->ex.masks[i]);
		any = true;
	}
	for (i = 0; i < r->ex.nuids; i++) {
		append(buf, len, "%s uid %u",
		    any ? "," : "; exempt:", r->ex.uids[i]);
		any = true;
	}
	if (r->ex.dests[0]) {
		append(buf, len, "%s daddr %s",
		    any ? "," : "; exempt:", r->ex.dests);
		any = true;
	}
	if (r->ex.other[0])
		append(buf, len, "; unsure: %s", r->ex.other);
}

/* Whether a rule's mark exemptions let a socket with mark through. */
static bool
exempts_mark(const struct capture_rule *r, unsigned mark)
{
	size_t i;

	for (i = 0; i < r->ex.nmarks; i++)
		if ((mark & r->ex.masks[i]) == r->ex.marks[i])
			return true;
	return false;
}

bool
capture_takes(const struct capture_rule *r, unsigned uid, bool marked,
    unsigned mark)
{
	size_t i;

	if (r->action == CAPTURE_REROUTE || r->ex.other[0])
		return false;
	for (i = 0; i < r->ex.nuids; i++)
		if (r->ex.uids[i] == uid)
			return false;
	return !(marked && exempts_mark(r, mark));
}

/*
 * Every capture that may take traffic (all but reroutes, the unsure ones
 * too: a mark is what lets a socket past whatever they test) and exempts
 * some mark must exempt the first one's first: then marking costs nothing
 * and may save the socket. Those exempting none cannot be helped by a
 * mark, and do not stop the choice.
 */
int
capture_exempt_mark(const struct capture_set *s, unsigned *mark)
{
	size_t i;
	bool found = false;
	unsigned m = 0;

	for (i = 0; i < s->n; i++) {
		const struct capture_rule *r = &s->v[i];

		if (r->action == CAPTURE_REROUTE || r->ex.nmarks == 0)
			continue;
		if (!found) {
			m = r->ex.marks[0];
			found = true;
		} else if (!exempts_mark(r, m))
			return -1;
	}
	if (!found)
		return 0;
	*mark = m;
	return 1;
}

void
capture_list(FILE *out)
{
	struct capture_set s = { 0 };
	char why[256], line[1024], mod[32];
	bool denied = false;
	size_t i;

	if (capture_os_read(&s, true, &denied, why, sizeof(why)) < 0) {
		if (denied && capture_os_hint(mod, sizeof(mod)) == 0)
			fprintf(out,
			    "warning: a redirect or tproxy rule is "
			    "in use on this machine (%s), and %s: run --list "
			    "as root to see whether it captures\n",
			    mod, why);
		else if (denied)
			fprintf(out,
			    "warning: firewall not read: %s (run "
			    "--list as root to see its redirects)\n",
			    why);
		else
			fprintf(out, "warning: firewall rules not read: %s\n",
			    why);
		return;
	}
	for (i = 0; i < s.n; i++) {
		capture_describe(&s.v[i], line, sizeof(line));
		fprintf(out, "capture: %s\n", line);
	}
	capture_set_free(&s);
	if (capture_os_legacy(line, sizeof(line)))
		fprintf(out,
		    "warning: iptables-legacy tables %s are loaded: "
		    "their rules are not read here, and a redirect in their "
		    "OUTPUT chains takes bound sockets too (see "
		    "iptables-legacy "
		    "-t nat -S OUTPUT; --mark gives the mark it exempts)\n",
		    line);
}

static const char *
refusal(enum uplink_rtype t)
{
	return t == UPLINK_RT_BLACKHOLE ? "blackhole" :
	    t == UPLINK_RT_UNREACHABLE  ? "unreachable" :
	    t == UPLINK_RT_PROHIBIT     ? "prohibit" :
	                                  NULL;
}

int
capture_mark_routing(const struct uplink_snapshot *s, unsigned mark, char *buf,
    size_t len)
{
	size_t i, j;

	for (i = 0; i < s->nrules; i++) {
		const struct uplink_rule *r = &s->rules[i];

		if (!r->has_fwmark || r->invert || r->src_len || r->dst_len ||
		    r->iif[0] || r->oif[0] || (mark & r->fwmask) != r->fwmark)
			continue;
		if (r->action != UPLINK_RULE_TABLE &&
		    r->action != UPLINK_RULE_OTHER) {
			snprintf(buf, len,
			    "ip rule %u (fwmark 0x%x/0x%x) "
			    "refuses sockets with mark 0x%x, bound or not",
			    r->priority, r->fwmark, r->fwmask, mark);
			return 1;
		}
		if (r->action != UPLINK_RULE_TABLE)
			continue;
		for (j = 0; j < s->nroutes; j++) {
			const struct uplink_route *rt = &s->routes[j];

			if (rt->table == r->table && rt->family == r->family &&
			    rt->prefix == 0 && refusal(rt->type)) {
				snprintf(buf, len,
				    "ip rule %u (fwmark 0x%x/"
				    "0x%x) sends sockets with mark 0x%x to "
				    "table %u, whose default route is %s",
				    r->priority, r->fwmark, r->fwmask, mark,
				    r->table, refusal(rt->type));
				return 1;
			}
		}
	}
	return 0;
}
