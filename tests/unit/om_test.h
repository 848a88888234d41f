/*
 * om_test.h - common includes for the cmocka unit tests.
 * Each tests/unit/test_*.c is one program; `make unit` builds and runs
 * them all, `make unit-asan` again under ASan+UBSan.
 */
#ifndef OM_TEST_H
#define OM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ormodels.h"

#endif
