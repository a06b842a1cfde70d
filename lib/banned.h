/*
 * banned.h - functions the library must not use (after git's banned.h).
 *
 * The library never prints or exits: output goes through bw_log and errors
 * through struct bw_error.  Unbounded string functions are banned outright.
 * Include this last in every lib/ source file (lib/internal.h does).
 */
#ifndef BULWARK_BANNED_H
#define BULWARK_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef printf
#define printf(...) BANNED(printf)
#undef fprintf
#define fprintf(...) BANNED(fprintf)
#undef puts
#define puts(x) BANNED(puts)
#undef perror
#define perror(x) BANNED(perror)
#undef exit
#define exit(x) BANNED(exit)
#undef _exit
#define _exit(x) BANNED(_exit)
#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)
#undef system
#define system(x) BANNED(system)

#endif
