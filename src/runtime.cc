// Trims of the C++ runtime that keep the static binary small (see `make static`).
#include <stdlib.h>

// libstdc++'s default terminate handler demangles the exception's type name, which links
// about 60 KB of demangler into the static binary. tend throws nothing it does not catch;
// should std::terminate ever be reached, aborting is all the handler needs to do.
namespace __gnu_cxx {
void __verbose_terminate_handler() { abort(); }
}  // namespace __gnu_cxx
