// The one file that compiles stowage's functions: it defines STOWAGE_IMPLEMENTATION, then includes
// the header of each backend the program uses.
#define STOWAGE_IMPLEMENTATION
#include <stowage/sqlite.hpp>
