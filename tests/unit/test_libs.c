/*
 * test_libs.c - shim/libs.c: the libraries the shim opens on first use
 * come with every function their tables name, once per process.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfglib.h"
#include "libs.h"

/* Whether two functions come from the same library file: the tables hold
 * the shim's own copy of it (on Linux another one than the test links,
 * libs_linux.c), never a function from some other object. */
static void
assert_same_file(const void *table_fn, const void *linked_fn)
{
	Dl_info a, b;

	assert_true(dladdr(table_fn, &a) != 0);
	assert_true(dladdr(linked_fn, &b) != 0);
	assert_non_null(a.dli_fname);
	assert_non_null(b.dli_fname);
	assert_string_equal(a.dli_fname, b.dli_fname);
}

static void
test_cares_table(void **state)
{
	char why[300] = "";
	const struct cares *c = libs_cares(why, sizeof(why));

	(void)state;
	if (c == NULL)
		print_message("libs_cares: %s\n", why);
	assert_non_null(c);
	assert_non_null(c->library_init);
	assert_non_null(c->init_options);
	assert_non_null(c->set_servers_ports);
	assert_non_null(c->set_socket_functions);
	assert_non_null(c->destroy);
	assert_non_null(c->getsock);
	assert_non_null(c->timeout);
	assert_non_null(c->cancel);
	assert_non_null(c->process_fd);
	assert_non_null(c->freeaddrinfo);
	assert_non_null(c->getaddrinfo);
	assert_non_null(c->getnameinfo);
	assert_non_null(c->query);
	assert_non_null(c->search);
	/* Filled from c-ares, not from whatever else has those names. */
	assert_same_file((const void *)c->getaddrinfo,
	    (const void *)ares_getaddrinfo);
	assert_ptr_equal(libs_cares(why, sizeof(why)), c);
}

static void
test_config_table(void **state)
{
	char why[300] = "";
	const struct cfglib *l = cfglib(why, sizeof(why));
	config_t cfg;
	int ok;

	(void)state;
	if (l == NULL)
		print_message("cfglib: %s\n", why);
	assert_non_null(l);
	assert_same_file((const void *)l->read_string,
	    (const void *)config_read_string);
	assert_ptr_equal(cfglib(why, sizeof(why)), l);
	/* Through the table alone, a parse. */
	l->init(&cfg);
	ok = l->read_string(&cfg, "a = [ \"x\", \"y\" ];\nn = 7;\n");
	assert_true(ok);
	assert_int_equal(l->length(l->get_elem(config_root_setting(&cfg), 0)),
	    2);
	assert_string_equal(l->get_string(
	                        l->get_elem(l->get_elem(config_root_setting(
	                                                    &cfg),
	                                        0),
	                            1)),
	    "y");
	assert_int_equal(l->get_int64(
	                     l->get_elem(config_root_setting(&cfg), 1)),
	    7);
	l->set_include_dir(&cfg, "/");
	l->destroy(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cares_table),
		cmocka_unit_test(test_config_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
