// Trims of the C and C++ runtimes that keep the static binary small (see `make static`).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

// libstdc++'s default terminate handler demangles the exception's type name, which links
// about 60 KB of demangler into the static binary. tend throws nothing it does not catch;
// should std::terminate ever be reached, aborting is all the handler needs to do.
namespace __gnu_cxx {
void __verbose_terminate_handler() { abort(); }
}  // namespace __gnu_cxx

namespace {
void Say(const char* s) { (void)!write(STDERR_FILENO, s, strlen(s)); }
}  // namespace

// glibc's assert() message is translated (gettext) and printed through stdio, which
// links the locale and character-set conversion machinery: about 70 KB. The same
// message, untranslated, written directly.
extern "C" void __assert_fail(const char* expr, const char* file, unsigned line,
                              const char* func) noexcept {
  char num[16];
  int i = sizeof num;
  num[--i] = '\0';
  do {
    num[--i] = static_cast<char>('0' + line % 10);
    line /= 10;
  } while (line && i > 0);
  Say("tend: ");
  Say(file);
  Say(":");
  Say(num + i);
  Say(": ");
  Say(func);
  Say(": assertion failed: ");
  Say(expr);
  Say("\n");
  abort();
}

// libev reports a failed system call with perror() before aborting; glibc's perror
// brings in wide-character stdio. The same line, written directly.
extern "C" void perror(const char* s) noexcept {
  if (s && *s) {
    Say(s);
    Say(": ");
  }
  Say(tend::ErrnoString(errno).c_str());
  Say("\n");
}
