// Trims of the C and C++ runtimes that keep the static binary small (see `make static`).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sys.h"

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
extern "C" void perror(const char* s) {
  if (s && *s) {
    Say(s);
    Say(": ");
  }
  Say(tend::ErrnoString(errno).c_str());
  Say("\n");
}

// libstdc++'s error categories (std::system_error, which fmt's system_error support
// names) call strerror, whose translation (gettext) links the locale and character-set
// conversion machinery with its transliteration tables: about 90 KB. tend's own messages
// come from ErrnoString; this gives the same untranslated text to anyone else.
extern "C" char* strerror(int err) noexcept {
  const char* s = strerrordesc_np(err);
  return const_cast<char*>(s ? s : "Unknown error");
}

// glibc translates its own messages (dlerror's, strerror_r's for the TLS set-up) through
// gettext, which links message catalogue loading and the character-set conversion it
// needs. tend never calls setlocale, so it runs in the C locale, where a translation is
// the message itself: what these give, without the machinery.
extern "C" char* __dcgettext(const char*, const char* msgid, int) noexcept {
  return const_cast<char*>(msgid);
}
extern "C" char* dcgettext(const char*, const char* msgid, int) noexcept {
  return const_cast<char*>(msgid);
}

#if !defined(__cpp_exceptions)
// The static build has no exceptions (-fno-exceptions). libstdc++ still reports a
// violated precondition or a failed allocation by throwing: its __throw_* helpers
// construct the exception objects (with gettext'd messages), and the unwinder and the
// personality routine they need come with them: about 45 KB. Nothing in tend catches
// any of these, so each helper says what happened and aborts, as an uncaught throw
// would. The catch helpers referenced by libstdc++'s own prebuilt code are never
// reached without a throw.
namespace {
[[noreturn]] void Fatal(const char* what, const char* detail) {
  Say("tend: ");
  Say(what);
  if (detail && *detail) {
    Say(": ");
    Say(detail);
  }
  Say("\n");
  abort();
}
}  // namespace

namespace std {
void __throw_bad_alloc() { Fatal("out of memory", nullptr); }
void __throw_bad_array_new_length() { Fatal("out of memory", "bad array length"); }
void __throw_bad_cast() { Fatal("bad cast", nullptr); }
void __throw_bad_typeid() { Fatal("bad typeid", nullptr); }
void __throw_bad_exception() { Fatal("bad exception", nullptr); }
void __throw_bad_function_call() { Fatal("empty std::function called", nullptr); }
void __throw_logic_error(const char* s) { Fatal("logic error", s); }
void __throw_domain_error(const char* s) { Fatal("domain error", s); }
void __throw_invalid_argument(const char* s) { Fatal("invalid argument", s); }
void __throw_length_error(const char* s) { Fatal("length error", s); }
void __throw_out_of_range(const char* s) { Fatal("out of range", s); }
void __throw_out_of_range_fmt(const char* s, ...) { Fatal("out of range", s); }
void __throw_runtime_error(const char* s) { Fatal("runtime error", s); }
void __throw_range_error(const char* s) { Fatal("range error", s); }
void __throw_overflow_error(const char* s) { Fatal("overflow error", s); }
void __throw_underflow_error(const char* s) { Fatal("underflow error", s); }
void terminate() noexcept { Fatal("terminate called", nullptr); }
}  // namespace std

extern "C" {
void* __cxa_begin_catch(void*) noexcept { Fatal("exception caught", nullptr); }
void __cxa_end_catch() { Fatal("exception caught", nullptr); }
void __cxa_rethrow() { Fatal("exception rethrown", nullptr); }
void __cxa_throw(void*, void*, void (*)(void*)) { Fatal("exception thrown", nullptr); }
void* __cxa_init_primary_exception(void*, void*, void (*)(void*)) noexcept {
  Fatal("exception thrown", nullptr);
}
int __gxx_personality_v0(...) { Fatal("exception unwound", nullptr); }
int __gcc_personality_v0(...) { Fatal("exception unwound", nullptr); }
void _Unwind_Resume(void*) { Fatal("exception unwound", nullptr); }
}
#endif
