/*
 * breach.h — what the breach register's files share inside the library.
 */
#ifndef GD_BREACH_INTERNAL_H
#define GD_BREACH_INTERNAL_H

#include "lib/internal.h"

/* Fills the controllers' clock of `b` (Art. 33(2), breach_controllers.c) at the vault's now. */
int gd__breach_controllers_clock(gd_actor *a, gd_breach *b);

#endif
