/*
 * banned.h - libc calls we do not use. Every .c file includes it last,
 * after the system headers, so a use is a compile error (tests/integration/
 * lint.sh checks that every file does).
 * Use snprintf, sa_buf, strtol/strtod with an end pointer, gmtime_r.
 */
#ifndef SCALEADVISOR_BANNED_H
#define SCALEADVISOR_BANNED_H

#define SA_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) SA_BANNED(strcpy)
#undef strcat
#define strcat(x, y) SA_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) SA_BANNED(strncpy)
#undef sprintf
#define sprintf(...) SA_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SA_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) SA_BANNED(strtok)
#undef atoi
#define atoi(x) SA_BANNED(atoi)
#undef atol
#define atol(x) SA_BANNED(atol)
#undef atof
#define atof(x) SA_BANNED(atof)
#undef gmtime
#define gmtime(x) SA_BANNED(gmtime)
#undef localtime
#define localtime(x) SA_BANNED(localtime)
#undef gets
#define gets(x) SA_BANNED(gets)

#endif
