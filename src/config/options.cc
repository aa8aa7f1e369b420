#include "config/options.h"

#include "base/values.h"

namespace tend {

namespace {

struct OptionSpec {
  const char* long_name;
  char short_name;  // 0: none.
  const char* arg;  // Placeholder for the value; null when the option takes none.
  const char* help;
  // Applies the option; false with `err` set (without the option's name) on a bad value.
  bool (*apply)(Options* o, const std::string& value, std::string* err);
};

constexpr OptionSpec kOptions[] = {
    {"config", 'c', "PATH",
     "configuration file or directory (default: $TEND_CONFIG, else /etc/tend)",
     [](Options* o, const std::string& v, std::string* err) {
       if (v.empty()) {
         *err = "empty path";
         return false;
       }
       o->config_path = v;
       return true;
     }},
    {"socket", 's', "PATH",
     "tendctl's control socket, \"none\" for none (default: $TEND_SOCKET, else /run/tend.sock)",
     [](Options* o, const std::string& v, std::string* err) {
       if (v.empty()) {
         *err = "empty path";
         return false;
       }
       o->socket_path = v;
       return true;
     }},
    {"check", 0, nullptr, "check the configuration, list the programs, start nothing",
     [](Options* o, const std::string&, std::string*) {
       o->action = Options::Action::kCheck;
       return true;
     }},
    {"stop-timeout", 't', "DURATION", "time to stop before SIGKILL (default 8s)",
     [](Options* o, const std::string& v, std::string* err) {
       return ParseDuration(v, &o->stop_timeout_ms, err);
     }},
    {"stop-signal", 0, "SIGNAL",
     "signal that stops the main program (default: the TERM/INT received)",
     [](Options* o, const std::string& v, std::string* err) {
       if (ParseSignal(v, &o->stop_signal)) return true;
       *err = "unknown signal '" + v + "'";
       return false;
     }},
    {"signal-child-only", 0, nullptr, "signal the main program only, not its process group",
     [](Options* o, const std::string&, std::string*) {
       o->signal_child_only = true;
       return true;
     }},
    {"verbose", 'v', nullptr, "also report routine events (starts, exits, signals)",
     [](Options* o, const std::string&, std::string*) {
       o->diag_level = Level::kDebug;
       return true;
     }},
    {"quiet", 'q', nullptr, "report errors only",
     [](Options* o, const std::string&, std::string*) {
       o->diag_level = Level::kError;
       return true;
     }},
    {"help", 'h', nullptr, "show this help and exit",
     [](Options* o, const std::string&, std::string*) {
       o->action = Options::Action::kHelp;
       return true;
     }},
    {"version", 'V', nullptr, "show the version and exit",
     [](Options* o, const std::string&, std::string*) {
       o->action = Options::Action::kVersion;
       return true;
     }},
};

const OptionSpec* FindLong(const std::string& name) {
  for (const auto& o : kOptions)
    if (name == o.long_name) return &o;
  return nullptr;
}

const OptionSpec* FindShort(char c) {
  for (const auto& o : kOptions)
    if (o.short_name == c) return &o;
  return nullptr;
}

bool Apply(const OptionSpec& spec, const std::string& shown, const std::string& value,
           Options* opts, std::string* err) {
  std::string why;
  if (spec.apply(opts, value, &why)) return true;
  *err = shown + " '" + value + "': " + why;
  return false;
}

}  // namespace

bool ParseOptions(int argc, const char* const* argv, Options* opts, std::string* err) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;  // The command starts here.
    if (a[1] == '-') {
      size_t eq = a.find('=');
      std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const OptionSpec* spec = FindLong(name);
      if (!spec) {
        *err = "unknown option '--" + name + "'";
        return false;
      }
      std::string shown = "--" + name;
      if (!spec->arg) {
        if (eq != std::string::npos) {
          *err = shown + " takes no value";
          return false;
        }
        spec->apply(opts, "", err);
        continue;
      }
      std::string value;
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *err = shown + " needs a " + spec->arg;
        return false;
      }
      if (!Apply(*spec, shown, value, opts, err)) return false;
      continue;
    }
    // A cluster of short options: "-vq", "-t5s", "-t 5s".
    for (size_t j = 1; j < a.size(); ++j) {
      const OptionSpec* spec = FindShort(a[j]);
      std::string shown = std::string("-") + a[j];
      if (!spec) {
        *err = "unknown option '" + shown + "'";
        return false;
      }
      if (!spec->arg) {
        spec->apply(opts, "", err);
        continue;
      }
      std::string value;
      if (j + 1 < a.size()) {
        value = a.substr(j + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *err = shown + " needs a " + spec->arg;
        return false;
      }
      if (!Apply(*spec, shown, value, opts, err)) return false;
      break;
    }
  }
  for (; i < argc; ++i) opts->command.emplace_back(argv[i]);
  return true;
}

std::vector<std::string> OptionNames() {
  std::vector<std::string> names;
  for (const auto& o : kOptions) names.push_back(o.long_name);
  return names;
}

std::string HelpText() {
  std::string s =
      "Usage: tend [OPTION...] [--] [COMMAND [ARG...]]\n"
      "Run COMMAND and the programs of the configuration as a container's init:\n"
      "reap every process, forward signals, supervise, stop cleanly, and exit with\n"
      "COMMAND's status.\n\nOptions:\n";
  for (const auto& o : kOptions) {
    std::string left = "  ";
    left += o.short_name ? std::string("-") + o.short_name + ", " : std::string("    ");
    left += std::string("--") + o.long_name;
    if (o.arg) left += std::string(" ") + o.arg;
    if (left.size() < 32)
      left.resize(32, ' ');
    else
      left += "\n" + std::string(32, ' ');
    s += left + o.help + "\n";
  }
  s += "\nDURATION: 500ms, 10s, 2m, 1m30s, or a number of seconds.\n"
       "SIGNAL: TERM, SIGTERM or 15.\n"
       "Exit status: COMMAND's, 128+N if it was killed by signal N, 126/127 if it could\n"
       "not be run, 2 for a usage error, 111 if tend could not set itself up.\n"
       "The control client: tendctl (or tend ctl) COMMAND; see tendctl --help.\n"
       "See tend(8).\n";
  return s;
}

}  // namespace tend
