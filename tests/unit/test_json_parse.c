/* test_json_parse.c - unit tests for the JSON reader: what the writer
 * (vl_json.h) writes reads back the same (numbers as written, strings
 * with every escape), member order, and the errors: a bad document is
 * refused with its line, nesting past the bound is refused, and nothing
 * is left allocated (the suite runs under ASan and valgrind). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl_json.h"
#include "vl_json_parse.h"

static int parse(const char *text, vl_jnode *root, char *msg)
{
    return vl_json_parse(text, strlen(text), root, msg, 128);
}

/* What the writer writes reads back as written. */
static void test_round_trip(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vl_json j;
    vl_json_init(&j, f, true);
    vl_json_obj_begin(&j);
    vl_json_kstr(&j, "name", "a \"quoted\" \\ tab\t nl\n \x01 \xc2\xb5s");
    vl_json_kuint(&j, "seed", UINT64_MAX);
    vl_json_kdouble(&j, "share", 0.32884825925);
    vl_json_key(&j, "list");
    vl_json_arr_begin(&j);
    vl_json_int(&j, -3);
    vl_json_null(&j);
    vl_json_bool(&j, true);
    vl_json_arr_end(&j);
    vl_json_obj_end(&j);
    vl_json_finish(&j);
    assert_int_equal(fclose(f), 0);

    vl_jnode root;
    char msg[128];
    assert_int_equal(vl_json_parse(buf, len, &root, msg, sizeof msg), 0);
    assert_int_equal(root.type, VL_JOBJ);
    assert_int_equal(root.n, 4);
    assert_string_equal(root.keys[0], "name"); /* members keep their order */
    assert_string_equal(root.keys[3], "list");
    assert_string_equal(vl_jnode_get(&root, "name")->text,
                        "a \"quoted\" \\ tab\t nl\n \x01 \xc2\xb5s");
    assert_string_equal(vl_jnode_get(&root, "seed")->text, "18446744073709551615");
    const vl_jnode *share = vl_jnode_get(&root, "share");
    assert_int_equal(share->type, VL_JNUM);
    assert_true(share->num == 0.32884825925);
    const vl_jnode *list = vl_jnode_get(&root, "list");
    assert_int_equal(list->n, 3);
    assert_true(list->items[0].num == -3);
    assert_int_equal(list->items[1].type, VL_JNULL);
    assert_int_equal(list->items[2].type, VL_JBOOL);
    assert_true(list->items[2].b);
    assert_null(vl_jnode_get(&root, "nosuch"));
    assert_null(vl_jnode_get(list, "name")); /* not an object */
    vl_jnode_free(&root);
    free(buf);
}

/* \u escapes: BMP characters and surrogate pairs become UTF-8. */
static void test_unicode_escapes(void **state)
{
    (void)state;
    vl_jnode root;
    char msg[128];
    assert_int_equal(parse("[\"\\u00b5s \\u20ac \\ud83d\\ude00 \\/\"]", &root, msg), 0);
    assert_string_equal(root.items[0].text, "\xc2\xb5s \xe2\x82\xac \xf0\x9f\x98\x80 /");
    vl_jnode_free(&root);
    assert_int_equal(parse("[\"\\ud83d x\"]", &root, msg), -1);
    assert_non_null(strstr(msg, "surrogate"));
}

/* Bad documents are refused with the line of the fault. */
static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } bad[] = {
        {"{\"a\": 1,\n \"b\" 2}", "line 2: expected ':'"},
        {"[1, 2", "line 1: expected ',' or ']'"},
        {"{\"a\": [1, {\"b\": tru}]}", "line 1: a bad number"},
        {"[01]", "line 1: a bad number"},
        {"[1.]", "line 1: a bad number"},
        {"\"abc", "line 1: a string is not closed"},
        {"[\"a\tb\"]", "line 1: a control character in a string"},
        {"[\"\\x\"]", "line 1: a bad escape in a string"},
        {"{} {}", "line 1: text after the value"},
        {"", "line 1: expected a value"},
        {"{1: 2}", "line 1: expected a key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vl_jnode root;
        char msg[128];
        assert_int_equal(parse(bad[i].text, &root, msg), -1);
        if (strcmp(msg, bad[i].msg) != 0) {
            print_error("%s: want '%s', got '%s'\n", bad[i].text, bad[i].msg, msg);
            fail();
        }
        assert_int_equal(root.type, VL_JNULL); /* nothing left */
        assert_null(root.items);
    }
}

/* Nesting deeper than VL_JSON_PARSE_DEPTH is refused; at the bound it reads. */
static void test_depth(void **state)
{
    (void)state;
    char text[2 * (VL_JSON_PARSE_DEPTH + 2) + 1];
    for (int depth = VL_JSON_PARSE_DEPTH; depth <= VL_JSON_PARSE_DEPTH + 1; depth++) {
        memset(text, '[', (size_t)depth + 1);
        memset(text + depth + 1, ']', (size_t)depth + 1);
        text[2 * depth + 2] = '\0';
        vl_jnode root;
        char msg[128];
        int rc = parse(text, &root, msg);
        assert_int_equal(rc, depth == VL_JSON_PARSE_DEPTH ? 0 : -1);
        if (rc == 0)
            vl_jnode_free(&root);
        else
            assert_string_equal(msg, "line 1: nested too deeply");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unicode_escapes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
