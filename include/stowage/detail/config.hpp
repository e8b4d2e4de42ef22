// How stowage's compiled code reaches a program: header-only (the default), or compiled once.
//
// Header-only, each translation unit compiles the library functions it uses. With
// STOWAGE_SEPARATE_COMPILATION defined for the whole program, the functions that do not depend
// on a record type are only declared in the headers, and one source file of the program that
// defines STOWAGE_IMPLEMENTATION before its includes compiles them once (README, "Compile time").
#pragma once

#ifdef STOWAGE_SEPARATE_COMPILATION
#define STOWAGE_INLINE
#else
#define STOWAGE_INLINE inline
#endif
