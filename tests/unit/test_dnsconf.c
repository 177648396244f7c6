/*
 * test_dnsconf.c - common/dnsconf.c: the user's server list, each file
 * format systems record an interface's DNS servers in (samples written as
 * those systems write them), the filter of local and fake-ip servers, and
 * discovery's order over a fake file system; macOS's tools' output
 * (fixtures/macos/) and the servers the launcher hands down from it.
 * Every parser is also fed every prefix of every sample and random bytes,
 * in exact-size buffers.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/dnsconf.h"

/* Samples. */

/* A bare dhclient sharing one database between two interfaces: eth0 got
 * a new lease after wlan0's, with another server list. */
static const char dhclient_leases[] =
    "default-duid \"\\000\\001\\000\\001+\\3443\\241RT\\000\\0224V\";\n"
    "lease {\n"
    "  interface \"eth0\";\n"
    "  fixed-address 192.168.1.57;\n"
    "  option subnet-mask 255.255.255.0;\n"
    "  option routers 192.168.1.1;\n"
    "  option dhcp-lease-time 86400;\n"
    "  option dhcp-message-type 5;\n"
    "  option domain-name-servers 192.168.1.1;\n"
    "  option dhcp-server-identifier 192.168.1.1;\n"
    "  option broadcast-address 192.168.1.255;\n"
    "  option domain-name \"home.arpa\";\n"
    "  renew 2 2024/03/12 20:41:06;\n"
    "  rebind 3 2024/03/13 06:31:12;\n"
    "  expire 3 2024/03/13 09:31:12;\n"
    "}\n"
    "lease {\n"
    "  interface \"wlan0\";\n"
    "  fixed-address 10.20.30.144;\n"
    "  option subnet-mask 255.255.252.0;\n"
    "  option routers 10.20.28.1;\n"
    "  option dhcp-lease-time 3600;\n"
    "  option dhcp-message-type 5;\n"
    "  option domain-name-servers 10.20.28.10,10.20.28.11;\n"
    "  option dhcp-server-identifier 10.20.28.1;\n"
    "  option domain-search \"corp.example.\", \"example.\";\n"
    "  option domain-name \"odd; name } {\";\n"
    "  renew 2 2024/03/12 11:02:40;\n"
    "  rebind 2 2024/03/12 11:20:10;\n"
    "  expire 2 2024/03/12 11:27:40;\n"
    "}\n"
    "lease {\n"
    "  interface \"eth0\";\n"
    "  fixed-address 192.168.1.57;\n"
    "  option subnet-mask 255.255.255.0;\n"
    "  option routers 192.168.1.1;\n"
    "  option dhcp-lease-time 86400;\n"
    "  option dhcp-message-type 5;\n"
    "  option domain-name-servers 192.168.1.1, 1.1.1.1;\n"
    "  option dhcp-server-identifier 192.168.1.1;\n"
    "  option domain-name \"home.arpa\";\n"
    "  renew 3 2024/03/13 08:12:44;\n"
    "  rebind 3 2024/03/13 18:02:50;\n"
    "  expire 3 2024/03/13 21:02:50;\n"
    "}\n";

static const char dhclient6_leases[] =
    "default-duid \"\\000\\001\\000\\001-\\2127\\310RT\\000\\0224V\";\n"
    "lease6 {\n"
    "  interface \"eth0\";\n"
    "  ia-na 3e:a1:4f:2b {\n"
    "    starts 1710262866;\n"
    "    renew 302400;\n"
    "    rebind 483840;\n"
    "    iaaddr 2001:db8:1:0:5054:ff:fe12:3456 {\n"
    "      starts 1710262866;\n"
    "      preferred-life 604800;\n"
    "      max-life 2592000;\n"
    "    }\n"
    "  }\n"
    "  option dhcp6.client-id 0:1:0:1:2d:8a:37:c8:52:54:0:12:34:56;\n"
    "  option dhcp6.server-id 0:1:0:1:2a:1b:3c:4d:0:11:22:33:44:55;\n"
    "  option dhcp6.name-servers 2001:db8:1::53,2001:db8:1::54;\n"
    "  option dhcp6.domain-search \"home.arpa.\";\n"
    "}\n";

/* systemd-resolved, for a link NetworkManager configured over D-Bus
 * (systemd 25x writes the full server form). */
static const char resolved_link[] =
    "# This is private data. Do not parse.\n"
    "LLMNR=yes\n"
    "MDNS=no\n"
    "DNSSEC=no\n"
    "DNSOVERTLS=no\n"
    "DEFAULT_ROUTE=yes\n"
    "SERVERS=192.168.1.1 fd12:3456:789a::1 9.9.9.9#dns.quad9.net "
    "[2001:db8::1]:53%3#name [2001:db8::2]:5353 "
    "fe80::1%3 192.0.2.53:5353%3#x 192.168.1.1\n"
    "DOMAINS=home.arpa ~.\n";

static const char networkd_link[] =
    "# This is private data. Do not parse.\n"
    "ADMIN_STATE=configured\n"
    "OPER_STATE=routable\n"
    "CARRIER_STATE=carrier\n"
    "ADDRESS_STATE=routable\n"
    "IPV4_ADDRESS_STATE=routable\n"
    "IPV6_ADDRESS_STATE=degraded\n"
    "ONLINE_STATE=online\n"
    "REQUIRED_FOR_ONLINE=yes\n"
    "NETWORK_FILE=/run/systemd/network/10-netplan-enp1s0.network\n"
    "NETWORK_FILE_DROPINS=\"\"\n"
    "DNS=192.168.122.1\n"
    "NTP=\n"
    "SIP=\n"
    "DOMAINS=\n"
    "ROUTE_DOMAINS=\n"
    "LLMNR=yes\n"
    "MDNS=no\n"
    "DHCP_LEASE=/run/systemd/netif/leases/2\n"
    "DHCP4_ADDRESS=192.168.122.56\n";

/* NetworkManager's internal client (systemd's lease format). */
static const char nm_lease[] = "# This is private data. Do not parse.\n"
                               "ADDRESS=192.168.88.243\n"
                               "NETMASK=255.255.255.0\n"
                               "ROUTER=192.168.88.1\n"
                               "SERVER_ADDRESS=192.168.88.1\n"
                               "BROADCAST=192.168.88.255\n"
                               "DNS=192.168.88.1 8.8.8.8\n"
                               "NTP=192.168.88.1\n"
                               "DOMAINNAME=lan\n"
                               "HOSTNAME=laptop\n"
                               "LIFETIME=43200\n"
                               "T1=21600\n"
                               "T2=37800\n"
                               "CLIENTID=01a4c3f0851234\n";

/* systemd-resolved's stub, and the comment forms of the libc. */
static const char resolv_conf[] =
    "# This is /run/systemd/resolve/stub-resolv.conf managed by "
    "man:systemd-resolved(8).\n"
    "# Do not edit.\n"
    "#nameserver 192.0.2.99\n"
    "; nameserver 192.0.2.98\n"
    "  nameserver 192.0.2.97\n"
    "nameserver 127.0.0.53\n"
    "nameserver\t192.0.2.1 # the router\n"
    "nameserver 192.0.2.2;comment\n"
    "nameserver fe80::1%wlan0\n"
    "nameserver 192.0.2.3:53\n"
    "nameserver not-an-address\n"
    "nameservers 192.0.2.4\n"
    "options edns0 trust-ad\n"
    "search home.arpa\n";

/* macOS with ClashX: the Wi-Fi service's DNS set to its fake-ip server,
 * a VPN's split DNS for corp.example, the usual mDNS resolvers, and the
 * scoped resolvers that still show what DHCP gave en0. */
static const char scutil_dns[] =
    "DNS configuration\n"
    "\n"
    "resolver #1\n"
    "  search domain[0] : home.arpa\n"
    "  nameserver[0] : 198.18.0.2\n"
    "  if_index : 6 (en0)\n"
    "  flags    : Request A records\n"
    "  reach    : 0x00000002 (Reachable)\n"
    "\n"
    "resolver #2\n"
    "  domain   : corp.example\n"
    "  nameserver[0] : 10.8.0.53\n"
    "  if_index : 6 (en0)\n"
    "  flags    : Request A records\n"
    "  reach    : 0x00000002 (Reachable)\n"
    "  order    : 100\n"
    "\n"
    "resolver #3\n"
    "  domain   : local\n"
    "  options  : mdns\n"
    "  timeout  : 5\n"
    "  flags    : Request A records\n"
    "  reach    : 0x00000000 (Not Reachable)\n"
    "  order    : 300000\n"
    "\n"
    "resolver #4\n"
    "  domain   : 254.169.in-addr.arpa\n"
    "  options  : mdns\n"
    "  timeout  : 5\n"
    "  flags    : Request A records\n"
    "  reach    : 0x00000000 (Not Reachable)\n"
    "  order    : 300200\n"
    "\n"
    "DNS configuration (for scoped queries)\n"
    "\n"
    "resolver #1\n"
    "  search domain[0] : home.arpa\n"
    "  nameserver[0] : 192.168.1.1\n"
    "  nameserver[1] : fe80::1%en0\n"
    "  if_index : 6 (en0)\n"
    "  flags    : Scoped, Request A records, Request AAAA records\n"
    "  reach    : 0x00020002 (Reachable,Directly Reachable Address)\n"
    "\n"
    "resolver #2\n"
    "  nameserver[0] : 198.18.0.2\n"
    "  if_index : 23 (utun3)\n"
    "  flags    : Scoped, Request A records\n"
    "  reach    : 0x00000003 (Reachable,Transient Connection)\n";

/* Helpers. */

static struct dns_server
server(const char *addr, uint16_t port)
{
	struct dns_server s;

	memset(&s, 0, sizeof(s));
	s.port = port;
	if (inet_pton(AF_INET, addr, s.addr) == 1)
		s.family = 4;
	else if (inet_pton(AF_INET6, addr, s.addr) == 1)
		s.family = 6;
	else
		fail_msg("bad test address %s", addr);
	return s;
}

/* The list as text, to compare whole lists in one assertion. */
static const char *
text_of(const struct dns_servers *l, char *buf, size_t len)
{
	assert_true(dnsconf_format(l, buf, len) >= 0);
	return buf;
}

#define assert_servers(l, want)                                              \
	do {                                                                 \
		char buf_[DNSCONF_TEXT_MAX];                                 \
		assert_string_equal(text_of((l), buf_, sizeof(buf_)), want); \
	} while (0)

static struct dns_servers
empty(void)
{
	struct dns_servers l;

	memset(&l, 0x5a, sizeof(l)); /* only n may matter */
	l.n = 0;
	return l;
}

/* The user's list. */

static void
test_parse_list_forms(void **state)
{
	struct dns_servers l = empty();
	char why[128] = "x";

	(void)state;
	assert_int_equal(dnsconf_parse_list("192.0.2.53, 2001:db8::53 "
	                                    "[2001:db8::53]:5353,192.0.2.53:"
	                                    "5353\t[2001:db8::54] "
	                                    "fe80::1%eth0,,192.0.2.53",
	                     &l, why, sizeof(why)),
	    0);
	assert_string_equal(why, "");
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[0].family, 4);
	assert_int_equal(l.v[0].port, 53);
	assert_memory_equal(l.v[0].addr, server("192.0.2.53", 53).addr, 4);
	assert_int_equal(l.v[2].family, 6);
	assert_int_equal(l.v[2].port, 5353);
	assert_int_equal(l.v[3].port, 5353);
	assert_servers(&l,
	    "192.0.2.53,2001:db8::53,[2001:db8::53]:5353,"
	    "192.0.2.53:5353,2001:db8::54,fe80::1");

	/* It replaces, never appends. */
	assert_int_equal(dnsconf_parse_list("::1", &l, NULL, 0), 0);
	assert_servers(&l, "::1");
}

static void
check_bad(const char *text, const char *want)
{
	struct dns_servers l = empty();
	char why[128];

	assert_int_equal(dnsconf_parse_list("192.0.2.1", &l, why, sizeof(why)),
	    0);
	if (dnsconf_parse_list(text, &l, why, sizeof(why)) != -1)
		fail_msg("'%s' parsed", text);
	assert_int_equal(l.n, 0);
	assert_string_equal(why, want);
}

static void
test_parse_list_errors(void **state)
{
	(void)state;
	check_bad("192.0.2.1, 192.0.2.300",
	    "'192.0.2.300' is not a DNS server address");
	check_bad("dns.example", "'dns.example' is not a DNS server address");
	check_bad("192.0.2.1:0", "'192.0.2.1:0' is not a DNS server address");
	check_bad("192.0.2.1:65536",
	    "'192.0.2.1:65536' is not a DNS server address");
	check_bad("192.0.2.1:", "'192.0.2.1:' is not a DNS server address");
	check_bad("192.0.2.1:+53",
	    "'192.0.2.1:+53' is not a DNS server address");
	check_bad("[2001:db8::1", "'[2001:db8::1' is not a DNS server address");
	check_bad("[2001:db8::1]x",
	    "'[2001:db8::1]x' is not a DNS server address");
	check_bad("[192.0.2.1]:53",
	    "'[192.0.2.1]:53' is not a DNS server address");
	check_bad("192.0.2.1#dns.example",
	    "'192.0.2.1#dns.example' is not a DNS server address");
	check_bad("[]:53", "'[]:53' is not a DNS server address");
	check_bad("%eth0", "'%eth0' is not a DNS server address");
	check_bad("1.2.3.4.5", "'1.2.3.4.5' is not a DNS server address");
	check_bad("a\x01\x7f",
	    "'a?"
	    "?' is not a DNS server address");
	check_bad("", "no DNS server address in the list");
	check_bad(" , ,", "no DNS server address in the list");
	check_bad("192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 "
	          "192.0.2.6 192.0.2.7 192.0.2.8 192.0.2.9",
	    "too many DNS servers (at most 8)");
	/* Duplicates do not count against the limit. */
	{
		struct dns_servers l = empty();

		assert_int_equal(dnsconf_parse_list("192.0.2.1 192.0.2.2 "
		                                    "192.0.2.3 192.0.2.4 "
		                                    "192.0.2.5 192.0.2.6 "
		                                    "192.0.2.7 "
		                                    "192.0.2.8 192.0.2.1",
		                     &l, NULL, 0),
		    0);
		assert_int_equal(l.n, 8);
	}
}

/* A long bad item is named by its start, and why never overflows. */
static void
test_parse_list_error_bounded(void **state)
{
	struct dns_servers l = empty();
	char big[4096], why[64], tiny[8];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dnsconf_parse_list(big, &l, why, sizeof(why)), -1);
	assert_true(strncmp(why, "'xxxx", 5) == 0);
	assert_non_null(strstr(why, "...'"));
	assert_true(strlen(why) < sizeof(why));
	memset(tiny, 'A', sizeof(tiny));
	assert_int_equal(dnsconf_parse_list("?", &l, tiny, 4), -1);
	assert_string_equal(tiny, "'?'");
	assert_int_equal(tiny[4], 'A');
}

static void
test_format(void **state)
{
	struct dns_servers l = empty(), back = empty();
	char buf[DNSCONF_TEXT_MAX], small[20];
	int n;

	(void)state;
	assert_int_equal(dnsconf_parse_list("192.0.2.53:5353 "
	                                    "[2001:db8::53]:5353 2001:db8::53 "
	                                    "198.51.100.1",
	                     &l, NULL, 0),
	    0);
	n = dnsconf_format(&l, buf, sizeof(buf));
	assert_string_equal(buf,
	    "192.0.2.53:5353,[2001:db8::53]:5353,2001:db8::53,198.51.100.1");
	assert_int_equal(n, strlen(buf));
	assert_int_equal(dnsconf_parse_list(buf, &back, NULL, 0), 0);
	assert_int_equal(back.n, l.n);
	for (n = 0; n < (int)l.n; n++) {
		assert_int_equal(back.v[n].family, l.v[n].family);
		assert_int_equal(back.v[n].port, l.v[n].port);
		assert_memory_equal(back.v[n].addr, l.v[n].addr, 16);
	}

	/* Too small: whole items only, and -1. */
	memset(small, 'Z', sizeof(small));
	assert_int_equal(dnsconf_format(&l, small, sizeof(small)), -1);
	assert_string_equal(small, "192.0.2.53:5353");
	assert_int_equal(dnsconf_format(&l, small, 0), -1);
	assert_int_equal(small[0], '1');

	/* The longest list fits DNSCONF_TEXT_MAX. */
	l.n = 0;
	for (n = 0; n < DNSCONF_MAX; n++) {
		l.v[n] = server("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		    65535);
		l.v[n].addr[0] = (uint8_t)n;
		l.n++;
	}
	assert_true(dnsconf_format(&l, buf, sizeof(buf)) > 0);
	assert_int_equal(dnsconf_parse_list(buf, &back, NULL, 0), 0);
	assert_int_equal(back.n, DNSCONF_MAX);

	l.n = 0;
	assert_int_equal(dnsconf_format(&l, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* The system's files. */

static void
test_resolv_conf(void **state)
{
	struct dns_servers l = empty();

	(void)state;
	dnsconf_from_resolv_conf(resolv_conf, &l);
	/* Leading blanks, ports and "nameservers" are not what the libc
	 * reads, so neither do we. */
	assert_servers(&l, "127.0.0.53,192.0.2.1,192.0.2.2,fe80::1");
	/* Appends, without duplicates. */
	dnsconf_from_resolv_conf("nameserver 192.0.2.1\nnameserver 192.0.2.9",
	    &l);
	assert_servers(&l, "127.0.0.53,192.0.2.1,192.0.2.2,fe80::1,192.0.2.9");
	l.n = 0;
	dnsconf_from_resolv_conf("nameserver 192.0.2.1\r\n", &l);
	assert_servers(&l, "192.0.2.1");
	l.n = 0;
	dnsconf_from_resolv_conf("nameserver", &l);
	dnsconf_from_resolv_conf("nameserver ", &l);
	dnsconf_from_resolv_conf("", &l);
	dnsconf_from_resolv_conf(NULL, &l);
	assert_int_equal(l.n, 0);
}

static void
test_resolved_link(void **state)
{
	struct dns_servers l = empty();

	(void)state;
	dnsconf_from_resolved_link(resolved_link, &l);
	assert_servers(&l,
	    "192.168.1.1,fd12:3456:789a::1,9.9.9.9,2001:db8::1,"
	    "[2001:db8::2]:5353,fe80::1,192.0.2.53:5353");
	/* The last SERVERS= is the one systemd itself would read. */
	l.n = 0;
	dnsconf_from_resolved_link("SERVERS=192.0.2.1\nSERVERS=192.0.2.2\n",
	    &l);
	assert_servers(&l, "192.0.2.2");
	l.n = 0;
	dnsconf_from_resolved_link("LLMNR=yes\nDOMAINS=x\n", &l);
	dnsconf_from_resolved_link("SERVERS=\n", &l);
	dnsconf_from_resolved_link("SERVERS=", &l);
	dnsconf_from_resolved_link("SERVERS=#x [::1 ]:53 [", &l);
	assert_int_equal(l.n, 0);
}

static void
test_networkd_link(void **state)
{
	struct dns_servers l = empty();

	(void)state;
	dnsconf_from_networkd_link(networkd_link, &l);
	assert_servers(&l, "192.168.122.1");
	l.n = 0;
	dnsconf_from_networkd_link("DNS=\"192.0.2.1 192.0.2.2\"\n", &l);
	assert_servers(&l, "192.0.2.1,192.0.2.2");
}

static void
test_networkmanager(void **state)
{
	struct dns_servers l = empty();

	(void)state;
	dnsconf_from_networkmanager(nm_lease, &l);
	assert_servers(&l, "192.168.88.1,8.8.8.8");
}

static void
test_dhclient_last_lease_of_interface(void **state)
{
	struct dns_servers l = empty();

	(void)state;
	dnsconf_from_dhclient_leases(dhclient_leases, "eth0", &l);
	assert_servers(&l, "192.168.1.1,1.1.1.1");
	l.n = 0;
	dnsconf_from_dhclient_leases(dhclient_leases, "wlan0", &l);
	assert_servers(&l, "10.20.28.10,10.20.28.11");
	l.n = 0;
	dnsconf_from_dhclient_leases(dhclient_leases, "eth", &l);
	dnsconf_from_dhclient_leases(dhclient_leases, "", &l);
	dnsconf_from_dhclient_leases(dhclient_leases, "eth1", &l);
	assert_int_equal(l.n, 0);
	dnsconf_from_dhclient_leases(dhclient6_leases, "eth0", &l);
	assert_servers(&l, "2001:db8:1::53,2001:db8:1::54");
}

static void
test_dhclient_odd_files(void **state)
{
	struct dns_servers l = empty();
	char *cut;
	const char *end;

	(void)state;
	/* Cut inside the last eth0 lease: that lease is not complete, the
	 * one before it speaks. */
	end = strstr(dhclient_leases, "1.1.1.1");
	assert_non_null(end);
	cut = strndup(dhclient_leases, (size_t)(end - dhclient_leases));
	assert_non_null(cut);
	dnsconf_from_dhclient_leases(cut, "eth0", &l);
	free(cut);
	assert_servers(&l, "192.168.1.1");

	/* The last lease without servers: none, not an older lease's. */
	l.n = 0;
	dnsconf_from_dhclient_leases("lease { interface \"eth0\"; option "
	                             "domain-name-servers 192.0.2.1; }\n"
	                             "lease { interface \"eth0\"; "
	                             "fixed-address 192.0.2.7; }\n",
	    "eth0", &l);
	assert_int_equal(l.n, 0);

	/* Stray braces, comments, servers outside a lease, junk items. */
	dnsconf_from_dhclient_leases(
	    "}}} option domain-name-servers 192.0.2.8;"
	    "\n# lease { interface \"eth0\"; }\n"
	    "lease {\n"
	    "  interface \"eth0\"; # the wired one\n"
	    "  option domain-name-servers 192.0.2.1, junk,192.0.2.2 ,"
	    "192.0.2.1;\n"
	    "  option domain-name \"x\\\"; option domain-name-servers "
	    "192.0.2.66;\";\n"
	    "}\n"
	    "lease { option domain-name-servers 192.0.2.9; interface \"eth0\""
	    "; }\n"
	    "lease {",
	    "eth0", &l);
	/* The interface statement may come after the servers. */
	assert_servers(&l, "192.0.2.9");
	l.n = 0;
	dnsconf_from_dhclient_leases(
	    "lease {\n"
	    "  interface \"eth0\"; # the wired one\n"
	    "  option domain-name-servers 192.0.2.1, junk,192.0.2.2 ,"
	    "192.0.2.1;\n"
	    "  option domain-name \"x\\\"; option domain-name-servers "
	    "192.0.2.66;\";\n"
	    "}\n",
	    "eth0", &l);
	assert_servers(&l, "192.0.2.1,192.0.2.2");
	l.n = 0;
	dnsconf_from_dhclient_leases("lease { interface \"eth0", "eth0", &l);
	dnsconf_from_dhclient_leases("\"", "eth0", &l);
	dnsconf_from_dhclient_leases("\"\\", "eth0", &l);
	dnsconf_from_dhclient_leases(NULL, "eth0", &l);
	dnsconf_from_dhclient_leases(dhclient_leases, NULL, &l);
	assert_int_equal(l.n, 0);
}

static void
test_scutil(void **state)
{
	struct dns_servers l = empty();
	char note[128];

	(void)state;
	dnsconf_from_scutil(scutil_dns, "en0", &l);
	/* ClashX's server is kept here (the filter says why it goes), the
	 * split-DNS resolver for corp.example is not en0's default. */
	assert_servers(&l, "198.18.0.2,192.168.1.1,fe80::1");
	dnsconf_filter(&l, note, sizeof(note));
	assert_servers(&l, "192.168.1.1,fe80::1");
	assert_string_equal(note, "skipped 198.18.0.2 (fake-ip)");

	l.n = 0;
	dnsconf_from_scutil(scutil_dns, "utun3", &l);
	assert_servers(&l, "198.18.0.2");
	l.n = 0;
	dnsconf_from_scutil(scutil_dns, "en1", &l);
	dnsconf_from_scutil(scutil_dns, "en", &l);
	dnsconf_from_scutil(scutil_dns, "", &l);
	dnsconf_from_scutil("resolver #1\n nameserver[0] : 192.0.2.1\n "
	                    "if_index : 4 (en0",
	    "en0", &l);
	dnsconf_from_scutil("nameserver[0] : 192.0.2.1\nif_index : 4 (en0)\n",
	    "en0", &l); /* outside any resolver block */
	assert_int_equal(l.n, 0);
	/* A block ends at the next one, which need not have a blank line. */
	dnsconf_from_scutil("resolver #1\n nameserver[0] : 192.0.2.1\n"
	                    "resolver #2\n if_index : 4 (en0)\n nameserver[0] "
	                    ": 192.0.2.2",
	    "en0", &l);
	assert_servers(&l, "192.0.2.2");
}

/* A file of fixtures/, NUL-terminated (free it). */
static char *
fixture(const char *name)
{
	char path[256], *text;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	text = dnsconf_posix_io.read_file(dnsconf_posix_io.arg, path);
	assert_non_null(text);
	return text;
}

static void
test_ipconfig(void **state)
{
	struct dns_servers l = empty();
	char *text = fixture("macos/ipconfig-getpacket-en0.txt");

	(void)state;
	/* The router option has the same form: only the servers count. */
	dnsconf_from_ipconfig(text, &l);
	free(text);
	assert_servers(&l, "192.168.1.1,192.0.2.53");

	l.n = 0;
	dnsconf_from_ipconfig("domain_name_server (ip_mult): {192.0.2.1}\n"
	                      "  domain_name_server (ip_mult): "
	                      "{192.0.2.2,192.0.2.1, x, "
	                      "192.0.2.3:53}\n",
	    &l);
	assert_servers(&l, "192.0.2.1,192.0.2.2");
	l.n = 0;
	dnsconf_from_ipconfig("domain_name_server (ip_mult): {192.0.2.1\n"
	                      "domain_name_servers (ip_mult): {192.0.2.2}\n"
	                      "router (ip_mult): {192.0.2.3}\n"
	                      "domain_name_server (ip_mult): 192.0.2.4\n"
	                      "domain_name_server (ip_mult): }192.0.2.5{\n"
	                      "domain_name_server\n",
	    &l);
	dnsconf_from_ipconfig(NULL, &l);
	assert_int_equal(l.n, 0);
}

/* ClashX set the service's DNS to its fake-ip server: scutil shows that
 * alone for en0, and the DHCP answer still has the network's own. */
static void
test_handed_clashx(void **state)
{
	struct dns_servers lists[2] = { empty(), empty() }, l = empty();
	char *text, buf[DNSCONF_HAND_MAX], note[256] = "x";

	(void)state;
	text = fixture("macos/scutil-dns-clashx.txt");
	dnsconf_from_scutil(text, "en0", &lists[0]);
	free(text);
	assert_servers(&lists[0], "198.18.0.2");
	text = fixture("macos/ipconfig-getpacket-en0.txt");
	dnsconf_from_ipconfig(text, &lists[1]);
	free(text);
	assert_int_equal(dnsconf_hand_format("en0", lists, 2, buf, sizeof(buf)),
	    (int)strlen("en0=198.18.0.2;192.168.1.1,192.0.2.53"));
	assert_string_equal(buf, "en0=198.18.0.2;192.168.1.1,192.0.2.53");

	/* As dnsconf_discover: the first source with a usable server. */
	assert_true(
	    dnsconf_discover_handed(buf, "en0", &l, note, sizeof(note)));
	assert_servers(&l, "192.168.1.1,192.0.2.53");
	assert_string_equal(note, "");
	assert_true(dnsconf_discover_handed("en0=192.0.2.1,127.0.0.1;"
	                                    "192.0.2.2",
	    "en0", &l, note, sizeof(note)));
	assert_servers(&l, "192.0.2.1");
	assert_string_equal(note, "skipped 127.0.0.1 (local)");
	assert_true(dnsconf_discover_handed("en0=[2001:db8::1]:5353", "en0", &l,
	    note, sizeof(note)));
	assert_servers(&l, "[2001:db8::1]:5353");
}

static void
test_handed_nothing_usable(void **state)
{
	struct dns_servers l = empty();
	char note[256];

	(void)state;
	assert_true(dnsconf_discover_handed("en0=198.18.0.2;127.0.0.1,x;",
	    "en0", &l, note, sizeof(note)));
	assert_int_equal(l.n, 0);
	assert_string_equal(note,
	    "no usable DNS server for en0 (skipped "
	    "198.18.0.2 (fake-ip), 127.0.0.1 (local)); set one with --dns "
	    "ADDR or dns = [...] in a rules file");
	assert_true(
	    dnsconf_discover_handed("en0=", "en0", &l, note, sizeof(note)));
	assert_int_equal(l.n, 0);
	assert_string_equal(note,
	    "no usable DNS server for en0; set one "
	    "with --dns ADDR or dns = [...] in a rules file");
	/* Sources past DNSCONF_SOURCES_MAX are not asked. */
	assert_true(dnsconf_discover_handed("en0=;;;;192.0.2.1", "en0", &l,
	    note, sizeof(note)));
	assert_int_equal(l.n, 0);
}

/* Not for this interface, or not a handed value: the files are asked. */
static void
test_handed_not_ours(void **state)
{
	static const char *const bad[] = { NULL, "", "en0", "=192.0.2.1",
		"en1=192.0.2.1", "en00=192.0.2.1", "en=192.0.2.1",
		"a-name-much-too-long=192.0.2.1" };
	struct dns_servers l = empty(), lists[1] = { empty() };
	char note[64], buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l.n = 3;
		strcpy(note, "x");
		assert_false(dnsconf_discover_handed(bad[i], "en0", &l, note,
		    sizeof(note)));
		assert_int_equal(l.n, 0);
		assert_string_equal(note, "");
	}
	assert_false(dnsconf_discover_handed("en0=192.0.2.1", NULL, &l, note,
	    sizeof(note)));
	/* Names the value could not carry, and a buffer too small. */
	assert_int_equal(dnsconf_hand_format("a=b", lists, 1, buf, sizeof(buf)),
	    -1);
	assert_int_equal(dnsconf_hand_format("a;b", lists, 1, buf, sizeof(buf)),
	    -1);
	assert_int_equal(dnsconf_hand_format("", lists, 1, buf, sizeof(buf)),
	    -1);
	assert_int_equal(dnsconf_hand_format("a-name-much-too-long", lists, 1,
	                     buf, sizeof(buf)),
	    -1);
	assert_int_equal(dnsconf_parse_list("192.0.2.1,192.0.2.2", &lists[0],
	                     NULL, 0),
	    0);
	assert_int_equal(dnsconf_hand_format("en0", lists, 1, buf, 8), -1);
	assert_int_equal(dnsconf_hand_format("en0", lists, 1, buf, sizeof(buf)),
	    23);
	assert_string_equal(buf, "en0=192.0.2.1,192.0.2.2");
}

static void
test_dedup_and_cap(void **state)
{
	struct dns_servers l = empty();
	char text[1024];
	size_t off = 0;
	int i;

	(void)state;
	for (i = 1; i <= 12; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "nameserver 192.0.2.%d\nnameserver 192.0.2.1\n", i);
	dnsconf_from_resolv_conf(text, &l);
	assert_int_equal(l.n, DNSCONF_MAX);
	assert_servers(&l,
	    "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,"
	    "192.0.2.5,192.0.2.6,192.0.2.7,192.0.2.8");
	/* Full: every parser leaves it alone. */
	dnsconf_from_networkmanager(nm_lease, &l);
	dnsconf_from_dhclient_leases(dhclient_leases, "eth0", &l);
	dnsconf_from_scutil(scutil_dns, "en0", &l);
	assert_int_equal(l.n, DNSCONF_MAX);
	assert_int_equal(l.v[7].addr[3], 8);

	/* Same address on another port is another server. */
	l.n = 0;
	dnsconf_from_resolved_link("SERVERS=192.0.2.1 192.0.2.1:53 "
	                           "192.0.2.1:5353 192.0.2.1#a "
	                           "::ffff:192.0.2.1\n",
	    &l);
	assert_servers(&l, "192.0.2.1,192.0.2.1:5353,::ffff:192.0.2.1");
}

/* Classification. */

static void
check_useless(const char *addr, const char *kind)
{
	struct dns_server s = server(addr, 53);
	const char *k = "unset";

	if (dnsconf_useless(&s, &k) != (kind[0] != '\0'))
		fail_msg("%s: useless should be %s", addr,
		    kind[0] ? "true" : "false");
	assert_string_equal(k, kind);
	assert_int_equal(dnsconf_useless(&s, NULL), kind[0] != '\0');
}

static void
test_useless(void **state)
{
	(void)state;
	check_useless("127.0.0.53", "local");
	check_useless("127.255.255.255", "local");
	check_useless("0.0.0.0", "local");
	check_useless("::1", "local");
	check_useless("::", "local");
	check_useless("::ffff:127.0.0.1", "local");
	check_useless("198.18.0.2", "fake-ip");
	check_useless("198.19.255.255", "fake-ip");
	check_useless("::ffff:198.18.0.2", "fake-ip");
	check_useless("fc00::2", "fake-ip");
	check_useless("fc00:3fff:ffff::1", "fake-ip");
	check_useless("198.17.255.255", "");
	check_useless("198.20.0.0", "");
	check_useless("126.255.255.255", "");
	check_useless("128.0.0.1", "");
	check_useless("192.168.1.1", "");
	check_useless("fc00:4000::1", "");
	check_useless("fd00::1", "");
	check_useless("fe80::1", "");
	check_useless("::2", "");
	check_useless("0.0.0.1", "");
}

static void
test_fake_answer(void **state)
{
	uint8_t a[16];

	(void)state;
	assert_int_equal(inet_pton(AF_INET, "198.18.3.4", a), 1);
	assert_true(dnsconf_fake_answer(4, a));
	assert_int_equal(inet_pton(AF_INET, "198.19.255.254", a), 1);
	assert_true(dnsconf_fake_answer(4, a));
	assert_int_equal(inet_pton(AF_INET, "198.20.0.1", a), 1);
	assert_false(dnsconf_fake_answer(4, a));
	assert_int_equal(inet_pton(AF_INET, "93.184.215.14", a), 1);
	assert_false(dnsconf_fake_answer(4, a));
	assert_int_equal(inet_pton(AF_INET6, "fc00::1:2", a), 1);
	assert_true(dnsconf_fake_answer(6, a));
	assert_int_equal(inet_pton(AF_INET6, "fc00:4000::", a), 1);
	assert_false(dnsconf_fake_answer(6, a));
	assert_int_equal(inet_pton(AF_INET6, "2606:2800:21f:cb07::1", a), 1);
	assert_false(dnsconf_fake_answer(6, a));
	/* Family decides how many bytes count. */
	assert_int_equal(inet_pton(AF_INET6, "c612:0::", a), 1);
	assert_false(dnsconf_fake_answer(6, a));
	assert_true(dnsconf_fake_answer(4, a));
	assert_false(dnsconf_fake_answer(0, a));
	assert_false(dnsconf_fake_answer(4, NULL));
}

static void
test_filter(void **state)
{
	struct dns_servers l = empty();
	char note[128], small[24];

	(void)state;
	assert_int_equal(dnsconf_parse_list("127.0.0.53 192.0.2.1 "
	                                    "198.18.0.2 [fc00::2]:5353 "
	                                    "2001:db8::1",
	                     &l, NULL, 0),
	    0);
	dnsconf_filter(&l, note, sizeof(note));
	assert_servers(&l, "192.0.2.1,2001:db8::1");
	assert_string_equal(note,
	    "skipped 127.0.0.53 (local), 198.18.0.2 "
	    "(fake-ip), [fc00::2]:5353 (fake-ip)");
	dnsconf_filter(&l, note, sizeof(note));
	assert_string_equal(note, "");
	assert_int_equal(l.n, 2);

	/* A small note holds whole items only. */
	assert_int_equal(dnsconf_parse_list("127.0.0.53 198.18.0.2", &l, NULL,
	                     0),
	    0);
	memset(small, 'Z', sizeof(small));
	dnsconf_filter(&l, small, sizeof(small));
	assert_int_equal(l.n, 0);
	assert_string_equal(small, "");
	assert_int_equal(dnsconf_parse_list("127.0.0.53 198.18.0.2", &l, NULL,
	                     0),
	    0);
	dnsconf_filter(&l, note, 30);
	assert_string_equal(note, "skipped 127.0.0.53 (local)");
	dnsconf_filter(&l, NULL, 0);
}

/* Discovery over a fake file system. */

struct fake_file {
	const char *path, *text;
};

struct fake_entry {
	const char *dir, *name;
	int64_t mtime;
};

struct fake_fs {
	const struct fake_file *files;
	const struct fake_entry *entries;
	char log[2048]; /* every path read or listed, in order */
	bool no_dirs;
};

static void
fs_log(struct fake_fs *fs, const char *what, const char *path)
{
	size_t n = strlen(fs->log);

	snprintf(fs->log + n, sizeof(fs->log) - n, "%s%s %s", n > 0 ? "\n" : "",
	    what, path);
}

static char *
fake_read(void *arg, const char *path)
{
	struct fake_fs *fs = arg;
	const struct fake_file *f;

	fs_log(fs, "read", path);
	for (f = fs->files; f != NULL && f->path != NULL; f++)
		if (strcmp(f->path, path) == 0)
			return strdup(f->text);
	return NULL;
}

static int
fake_list(void *arg, const char *dir,
    int (*fn)(void *fnarg, const char *name, int64_t mtime), void *fnarg)
{
	struct fake_fs *fs = arg;
	const struct fake_entry *e;

	fs_log(fs, "list", dir);
	if (fs->no_dirs)
		return -1;
	for (e = fs->entries; e != NULL && e->dir != NULL; e++)
		if (strcmp(e->dir, dir) == 0 && fn(fnarg, e->name, e->mtime))
			break;
	return 0;
}

#define NM "/var/lib/NetworkManager"
#define UUID1 "8c5a2e7f-2a5e-4c1e-9f0b-3d2b7f6a9e01"
#define UUID2 "1f0e9d8c-7b6a-4543-b210-fedcba987654"

static const char all_sources_read[] =
    "read /run/systemd/resolve/netif/2\n"
    "read /run/systemd/netif/links/2\n"
    "list /var/lib/NetworkManager\n"
    "read /var/lib/dhcp/dhclient.eth0.leases\n"
    "read /var/lib/dhcp/dhclient6.eth0.leases\n"
    "read /var/lib/dhcp/dhclient.leases\n"
    "read /etc/resolv.conf";

static void
discover(struct fake_fs *fs, const char *ifname, unsigned ifindex,
    struct dns_servers *out, char *note, size_t notelen)
{
	struct dnsconf_io io = { fake_read, fake_list, fs };

	fs->log[0] = '\0';
	memset(out, 0x5a, sizeof(*out));
	dnsconf_discover(ifname, ifindex, &io, out, note, notelen);
}

static void
test_discover_order(void **state)
{
	struct fake_file files[] = {
		{ "/run/systemd/resolve/netif/2", resolved_link },
		{ "/run/systemd/netif/links/2", networkd_link },
		{ NM "/internal-" UUID1 "-eth0.lease", nm_lease },
		{ "/var/lib/dhcp/dhclient.leases", dhclient_leases },
		{ "/etc/resolv.conf", resolv_conf },
		{ NULL, NULL },
	};
	struct fake_entry entries[] = {
		{ NM, "internal-" UUID1 "-eth0.lease", 100 },
		{ NULL, NULL, 0 },
	};
	struct fake_fs fs = { files, entries, "", false };
	struct dns_servers l;
	char note[256];

	(void)state;
	/* resolved first, and it alone when it has a usable server. */
	discover(&fs, "eth0", 2, &l, note, sizeof(note));
	assert_string_equal(fs.log, "read /run/systemd/resolve/netif/2");
	assert_int_equal(l.n, 7);
	assert_string_equal(note, "");

	/* Then networkd... */
	files[0].text = "SERVERS=127.0.0.53\n";
	discover(&fs, "eth0", 2, &l, note, sizeof(note));
	assert_servers(&l, "192.168.122.1");
	assert_string_equal(note, "");

	/* ...NetworkManager... */
	files[1].path = "/nonexistent";
	discover(&fs, "eth0", 2, &l, note, sizeof(note));
	assert_servers(&l, "192.168.88.1,8.8.8.8");
	assert_string_equal(fs.log,
	    "read /run/systemd/resolve/netif/2\n"
	    "read /run/systemd/netif/links/2\n"
	    "list /var/lib/NetworkManager\n"
	    "read /var/lib/NetworkManager/internal-" UUID1 "-eth0.lease");

	/* ...dhclient... */
	entries[0].dir = "/elsewhere";
	discover(&fs, "eth0", 2, &l, note, sizeof(note));
	assert_servers(&l, "192.168.1.1,1.1.1.1");

	/* ...and the system's resolv.conf last, skipping the stub. */
	files[3].path = "/nonexistent";
	discover(&fs, "eth0", 2, &l, note, sizeof(note));
	assert_string_equal(fs.log, all_sources_read);
	assert_servers(&l, "192.0.2.1,192.0.2.2,fe80::1");
	assert_string_equal(note, "skipped 127.0.0.53 (local)");

	/* Without an index, the per-index files are not asked for. */
	discover(&fs, "eth0", 0, &l, note, sizeof(note));
	assert_string_equal(fs.log,
	    strchr(strchr(all_sources_read, '\n') + 1, '\n') + 1);
}

/* dhclient's per-interface files for both families make one source. */
static void
test_discover_dhclient_v4_and_v6(void **state)
{
	struct fake_file files[] = {
		{ "/var/lib/dhcp/dhclient.eth0.leases", dhclient_leases },
		{ "/var/lib/dhcp/dhclient6.eth0.leases", dhclient6_leases },
		{ "/etc/resolv.conf", "nameserver 192.0.2.1\n" },
		{ NULL, NULL },
	};
	struct fake_fs fs = { files, NULL, "", true };
	struct dns_servers l;
	char note[256];

	(void)state;
	discover(&fs, "eth0", 2, &l, note, sizeof(note));
	assert_servers(&l,
	    "192.168.1.1,1.1.1.1,2001:db8:1::53,"
	    "2001:db8:1::54");
	assert_string_equal(note, "");
}

static void
test_discover_nothing_usable(void **state)
{
	struct fake_file files[] = {
		{ "/run/systemd/resolve/netif/7", "SERVERS=198.18.0.2\n" },
		{ "/etc/resolv.conf",
		    "nameserver 127.0.0.53\n"
		    "nameserver 198.18.0.2\n" },
		{ NULL, NULL },
	};
	struct fake_fs fs = { files, NULL, "", false };
	struct dns_servers l;
	char note[256], small[40];

	(void)state;
	discover(&fs, "phy0", 7, &l, note, sizeof(note));
	assert_int_equal(l.n, 0);
	assert_string_equal(note,
	    "no usable DNS server for phy0 (skipped "
	    "198.18.0.2 (fake-ip), 127.0.0.53 (local)); set one with --dns "
	    "ADDR or dns = [...] in a rules file");

	files[0].path = NULL;
	discover(&fs, "phy0", 7, &l, small, sizeof(small));
	assert_int_equal(l.n, 0);
	assert_true(strlen(small) < sizeof(small));
	assert_true(strncmp(small, "no usable DNS server for phy0", 29) == 0);

	files[0].path = NULL;
	files[0].text = NULL;
	fs.files = NULL;
	discover(&fs, "phy0", 7, &l, note, sizeof(note));
	assert_int_equal(l.n, 0);
	assert_string_equal(note,
	    "no usable DNS server for phy0; set one "
	    "with --dns ADDR or dns = [...] in a rules file");
	assert_string_equal(fs.log,
	    "read /run/systemd/resolve/netif/7\n"
	    "read /run/systemd/netif/links/7\n"
	    "list /var/lib/NetworkManager\n"
	    "read /var/lib/dhcp/dhclient.phy0.leases\n"
	    "read /var/lib/dhcp/dhclient6.phy0.leases\n"
	    "read /var/lib/dhcp/dhclient.leases\n"
	    "read /etc/resolv.conf");
}

/* NetworkManager keeps a lease per connection ever used: the newest for
 * exactly this interface speaks, IPv4 and IPv6 each. */
static void
test_discover_networkmanager_pick(void **state)
{
	struct fake_file files[] = {
		{ NM "/internal-" UUID1 "-wlan0.lease", "DNS=192.0.2.1\n" },
		{ NM "/internal-" UUID2 "-wlan0.lease", "DNS=192.0.2.2\n" },
		{ NM "/internal-" UUID2 "-lan.lease", "DNS=192.0.2.3\n" },
		{ NM "/internal-" UUID1 "-br-lan.lease", "DNS=192.0.2.4\n" },
		{ NM "/dhclient6-" UUID1 "-wlan0.lease", dhclient6_leases },
		{ NULL, NULL },
	};
	struct fake_entry entries[] = {
		{ NM, "internal-" UUID1 "-wlan0.lease", 2000 },
		{ NM, "internal-" UUID2 "-wlan0.lease", 1000 },
		{ NM, "internal-" UUID2 "-lan.lease", 500 },
		{ NM, "internal-" UUID1 "-br-lan.lease", 3000 },
		{ NM, "internal-not-a-uuid-at-all-but-long-enough-wlan0.lease",
		    9000 },
		{ NM, "internal-" UUID1 "-wlan0.lease~", 9000 },
		{ NM, "dhclient6-" UUID1 "-wlan0.lease", 10 },
		{ NM, "timestamps", 9999 },
		{ NM, "NetworkManager-intern.conf", 9999 },
		{ NULL, NULL, 0 },
	};
	struct fake_fs fs = { files, entries, "", false };
	struct dns_servers l;
	char note[256];

	(void)state;
	discover(&fs, "wlan0", 3, &l, note, sizeof(note));
	/* The v6 lease is dhclient's format, but its interface is eth0. */
	assert_servers(&l, "192.0.2.1");
	entries[6].name = "dhclient6-" UUID1 "-eth0.lease";
	files[4].path = NM "/dhclient6-" UUID1 "-eth0.lease";
	discover(&fs, "eth0", 3, &l, note, sizeof(note));
	assert_servers(&l, "2001:db8:1::53,2001:db8:1::54");

	discover(&fs, "lan", 3, &l, note, sizeof(note));
	assert_servers(&l, "192.0.2.3");
	discover(&fs, "br-lan", 3, &l, note, sizeof(note));
	assert_servers(&l, "192.0.2.4");

	/* Equal times: the same pick whatever the directory's order. */
	entries[1].mtime = 2000;
	discover(&fs, "wlan0", 3, &l, note, sizeof(note));
	assert_servers(&l, "192.0.2.1");
	entries[0].mtime = 1000;
	entries[1].mtime = 1000;
	discover(&fs, "wlan0", 3, &l, note, sizeof(note));
	assert_servers(&l, "192.0.2.1");
}

/* Names that are no interface's never become paths. */
static void
test_discover_hostile_ifname(void **state)
{
	struct fake_fs fs = { NULL, NULL, "", false };
	struct dns_servers l;
	char note[256], big[200];

	(void)state;
	discover(&fs, "../../etc", 1, &l, note, sizeof(note));
	assert_string_equal(fs.log, "");
	assert_int_equal(l.n, 0);
	discover(&fs, "..", 1, &l, note, sizeof(note));
	assert_string_equal(fs.log, "");
	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	discover(&fs, big, 1, &l, note, sizeof(note));
	assert_string_equal(fs.log, "");
	assert_true(strlen(note) < sizeof(note));
	{
		struct dns_servers m;

		dnsconf_discover("eth0", 1, NULL, &m, note, sizeof(note));
		assert_int_equal(m.n, 0);
	}
}

/* The POSIX reader, on files of our own. */
static int
count_names(void *arg, const char *name, int64_t mtime)
{
	char *seen = arg;

	if (mtime <= 0)
		return 0;
	if (strcmp(name, "a.lease") == 0)
		seen[0]++;
	else if (strcmp(name, "b.lease") == 0)
		seen[1]++;
	else
		seen[2]++;
	return 0;
}

static void
test_posix_io(void **state)
{
	char dir[] = "/tmp/test_dnsconf.XXXXXX", path[128], seen[3] = { 0 };
	char *text;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.lease", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("DNS=192.0.2.1\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/b.lease", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);

	assert_int_equal(dnsconf_posix_io.list_dir(dnsconf_posix_io.arg, dir,
	                     count_names, seen),
	    0);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 0); /* not the directory */
	assert_int_equal(dnsconf_posix_io.list_dir(dnsconf_posix_io.arg,
	                     "/nonexistent/dir", count_names, seen),
	    -1);

	snprintf(path, sizeof(path), "%s/a.lease", dir);
	text = dnsconf_posix_io.read_file(dnsconf_posix_io.arg, path);
	assert_non_null(text);
	assert_string_equal(text, "DNS=192.0.2.1\n");
	free(text);
	snprintf(path, sizeof(path), "%s/b.lease", dir);
	text = dnsconf_posix_io.read_file(dnsconf_posix_io.arg, path);
	assert_non_null(text);
	assert_string_equal(text, "");
	free(text);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_null(dnsconf_posix_io.read_file(dnsconf_posix_io.arg, path));
	assert_null(dnsconf_posix_io.read_file(dnsconf_posix_io.arg,
	    "/nonexistent/file"));

	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/a.lease", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.lease", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* Robustness: every prefix of every sample, then random bytes biased to
 * the characters the parsers care about, each in a buffer of exactly its
 * size so a sanitizer sees any read past the end. */
static void
feed_all(const char *text)
{
	static const char *const names[] = { "eth0", "en0", "wlan0", "" };
	struct dns_servers l = empty();
	char why[64], note[64];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		dnsconf_from_dhclient_leases(text, names[i], &l);
		dnsconf_from_scutil(text, names[i], &l);
		dnsconf_discover_handed(text, names[i], &l, note, sizeof(note));
		assert_true(l.n <= DNSCONF_MAX && strlen(note) < sizeof(note));
	}
	dnsconf_from_ipconfig(text, &l);
	dnsconf_from_resolv_conf(text, &l);
	dnsconf_from_resolved_link(text, &l);
	dnsconf_from_networkd_link(text, &l);
	dnsconf_from_networkmanager(text, &l);
	assert_true(l.n <= DNSCONF_MAX);
	dnsconf_filter(&l, note, sizeof(note));
	assert_true(strlen(note) < sizeof(note));
	if (dnsconf_parse_list(text, &l, why, sizeof(why)) == 0)
		assert_true(l.n > 0 && l.n <= DNSCONF_MAX);
	else
		assert_true(l.n == 0 && strlen(why) < sizeof(why));
}

static void
test_prefixes_and_junk(void **state)
{
	static const char *const samples[] = { dhclient_leases,
		dhclient6_leases, resolved_link, networkd_link, nm_lease,
		resolv_conf, scutil_dns };
	static const char alphabet[] = "{}\";#%[]:,.\\\n \t0123456789abcdef"
	                               "nameserver lease interface option "
	                               "SERVERS=DNS=resolver #if_index ()\x01"
	                               "domain_name_server en0=;"
	                               "\xff";
	size_t i, n, len;
	unsigned seed = 12345;
	char *buf;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		len = strlen(samples[i]);
		for (n = 0; n <= len; n++) {
			buf = malloc(n + 1);
			assert_non_null(buf);
			memcpy(buf, samples[i], n);
			buf[n] = '\0';
			feed_all(buf);
			free(buf);
		}
	}
	for (i = 0; i < 3000; i++) {
		len = (size_t)(rand_r(&seed) % 300);
		buf = malloc(len + 1);
		assert_non_null(buf);
		for (n = 0; n < len; n++)
			buf[n] = rand_r(&seed) % 4 == 0 ?
			    (char)(rand_r(&seed) % 255 + 1) :
			    alphabet[(size_t)rand_r(&seed) %
			        (sizeof(alphabet) - 1)];
		buf[len] = '\0';
		feed_all(buf);
		free(buf);
	}
	/* One huge line. */
	len = 1 << 20;
	buf = malloc(len + 1);
	assert_non_null(buf);
	memset(buf, '1', len);
	memcpy(buf, "nameserver ", 11);
	memcpy(buf + 100, "SERVERS=", 8);
	buf[len] = '\0';
	feed_all(buf);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list_forms),
		cmocka_unit_test(test_parse_list_errors),
		cmocka_unit_test(test_parse_list_error_bounded),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_resolved_link),
		cmocka_unit_test(test_networkd_link),
		cmocka_unit_test(test_networkmanager),
		cmocka_unit_test(test_dhclient_last_lease_of_interface),
		cmocka_unit_test(test_dhclient_odd_files),
		cmocka_unit_test(test_scutil),
		cmocka_unit_test(test_ipconfig),
		cmocka_unit_test(test_handed_clashx),
		cmocka_unit_test(test_handed_nothing_usable),
		cmocka_unit_test(test_handed_not_ours),
		cmocka_unit_test(test_dedup_and_cap),
		cmocka_unit_test(test_useless),
		cmocka_unit_test(test_fake_answer),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_discover_order),
		cmocka_unit_test(test_discover_dhclient_v4_and_v6),
		cmocka_unit_test(test_discover_nothing_usable),
		cmocka_unit_test(test_discover_networkmanager_pick),
		cmocka_unit_test(test_discover_hostile_ifname),
		cmocka_unit_test(test_posix_io),
		cmocka_unit_test(test_prefixes_and_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
