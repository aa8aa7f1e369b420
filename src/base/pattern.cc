#include "base/pattern.h"

#include <string.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

namespace tend {

namespace {

// States kept at once; past it the cache starts over (a pattern whose sets of threads
// vary without end then costs what a Pike VM would, up to kMaxSearchSteps).
constexpr size_t kMaxStates = 1024;
constexpr int kMaxCount = 255;
constexpr int kMaxDepth = 100;

struct Node {
  enum class Kind { kEmpty, kByte, kAny, kClass, kBol, kEol, kConcat, kAlt, kRepeat } kind;
  uint8_t byte = 0;
  int cls = 0;
  int min = 0, max = 0;  // kRepeat; max -1: no bound.
  std::vector<std::unique_ptr<Node>> kids;
};

std::unique_ptr<Node> Make(Node::Kind k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}

}  // namespace

// Recursive descent over the source, then code generation for the Pike VM.
class PatternCompiler {
 public:
  PatternCompiler(std::string_view s, Pattern* p) : s_(s), p_(p) {}

  bool Run(std::string* why) {
    std::unique_ptr<Node> root = Alt();
    if (err_.empty() && i_ < s_.size()) err_ = "unbalanced ')'";
    if (err_.empty()) {
      Emit(*root);
      Add({Pattern::Op::kMatch});
      if (p_->prog_.size() > kMaxPatternProgram) {
        err_ = fmt::format("too large: over {} instructions (fewer or smaller repetitions)",
                           kMaxPatternProgram);
      }
    }
    if (!err_.empty()) *why = err_;
    return err_.empty();
  }

 private:
  bool At(char c) const { return i_ < s_.size() && s_[i_] == c; }

  std::unique_ptr<Node> Alt() {
    auto first = Concat();
    if (!At('|')) return first;
    auto alt = Make(Node::Kind::kAlt);
    alt->kids.push_back(std::move(first));
    while (err_.empty() && At('|')) {
      ++i_;
      alt->kids.push_back(Concat());
    }
    return alt;
  }

  std::unique_ptr<Node> Concat() {
    auto cat = Make(Node::Kind::kConcat);
    while (err_.empty() && i_ < s_.size() && !At('|') && !At(')')) cat->kids.push_back(Repeat());
    return cat;
  }

  std::unique_ptr<Node> Repeat() {
    auto atom = Atom();
    for (int wraps = 0; err_.empty() && i_ < s_.size(); ++wraps) {
      if (wraps >= kMaxDepth) {  // "a****...": each wraps the last, as deep as groups.
        Fail("groups nested too deep");
        break;
      }
      int min, max;
      const char c = s_[i_];
      if (c == '*') {
        min = 0, max = -1;
      } else if (c == '+') {
        min = 1, max = -1;
      } else if (c == '?') {
        min = 0, max = 1;
      } else if (c == '{' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
        if (!Bound(&min, &max)) return atom;
        --i_;  // Bound left i_ past the '}'; the ++ below is shared.
      } else {
        break;
      }
      ++i_;
      auto rep = Make(Node::Kind::kRepeat);
      rep->min = min;
      rep->max = max;
      rep->kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  // "{n}", "{n,}" or "{n,m}" at i_; leaves i_ after the '}'.
  bool Bound(int* min, int* max) {
    ++i_;
    auto number = [&](int* out) {
      int n = 0;
      size_t start = i_;
      // Every digit read (a{99999} is a count over 255, not an unbalanced '{'), the
      // value kept from overflowing.
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        n = std::min(n * 10 + (s_[i_++] - '0'), kMaxCount + 1);
      }
      *out = n;
      return i_ > start;
    };
    if (!number(min)) return Fail("bad repetition count");
    *max = *min;
    if (At(',')) {
      ++i_;
      *max = -1;
      if (!At('}') && !number(max)) return Fail("bad repetition count");
    }
    if (!At('}')) return Fail("unbalanced '{'");
    ++i_;
    if (*min > kMaxCount || *max > kMaxCount) return Fail("repetition count over 255");
    if (*max >= 0 && *max < *min) return Fail("bad repetition count");
    return true;
  }

  std::unique_ptr<Node> Atom() {
    const char c = s_[i_++];
    switch (c) {
      case '(': {
        // Parsing recurses per group: bounded, so that no pattern can exhaust the stack.
        if (++depth_ > kMaxDepth) {
          Fail("groups nested too deep");
          return Make(Node::Kind::kEmpty);
        }
        auto inner = Alt();
        --depth_;
        if (err_.empty() && !At(')')) Fail("unbalanced '('");
        ++i_;
        return inner;
      }
      case '[':
        return Bracket();
      case '.':
        return Make(Node::Kind::kAny);
      case '^':
        return Make(Node::Kind::kBol);
      case '$':
        return Make(Node::Kind::kEol);
      case '*':
      case '+':
      case '?':
        Fail(std::string("nothing to repeat before '") + c + "'");
        return Make(Node::Kind::kEmpty);
      case '\\':
        if (i_ >= s_.size()) {
          Fail("trailing backslash");
          return Make(Node::Kind::kEmpty);
        }
        return Byte(s_[i_++]);
      default:
        return Byte(c);
    }
  }

  std::unique_ptr<Node> Byte(char c) {
    auto n = Make(Node::Kind::kByte);
    n->byte = static_cast<uint8_t>(c);
    return n;
  }

  // After '[': a set of bytes, possibly negated, up to the closing ']'.
  std::unique_ptr<Node> Bracket() {
    std::vector<bool> set(256, false);
    bool negate = At('^');
    if (negate) ++i_;
    bool first = true;
    for (;;) {
      if (i_ >= s_.size()) {
        Fail("unbalanced '['");
        return Make(Node::Kind::kEmpty);
      }
      char c = s_[i_];
      if (c == ']' && !first) break;
      first = false;
      if (c == '[' && i_ + 1 < s_.size() && s_[i_ + 1] == ':') {
        size_t end = s_.find(":]", i_ + 2);
        if (end == std::string_view::npos || !NamedClass(s_.substr(i_ + 2, end - i_ - 2), &set)) {
          Fail("unknown character class");
          return Make(Node::Kind::kEmpty);
        }
        i_ = end + 2;
        continue;
      }
      ++i_;
      unsigned lo = static_cast<uint8_t>(c), hi = lo;
      if (At('-') && i_ + 1 < s_.size() && s_[i_ + 1] != ']') {
        hi = static_cast<uint8_t>(s_[i_ + 1]);
        i_ += 2;
        if (hi < lo) {
          Fail("bad range in '[...]'");
          return Make(Node::Kind::kEmpty);
        }
      }
      for (unsigned b = lo; b <= hi; ++b) set[b] = true;
    }
    ++i_;  // ']'
    if (negate) set.flip();
    auto n = Make(Node::Kind::kClass);
    n->cls = static_cast<int>(p_->classes_.size());
    p_->classes_.push_back(std::move(set));
    return n;
  }

  static bool NamedClass(std::string_view name, std::vector<bool>* set) {
    for (unsigned b = 0; b < 256; ++b) {
      const bool digit = b >= '0' && b <= '9', upper = b >= 'A' && b <= 'Z',
                 lower = b >= 'a' && b <= 'z', graph = b > 0x20 && b < 0x7f;
      bool in;
      if (name == "digit") {
        in = digit;
      } else if (name == "upper") {
        in = upper;
      } else if (name == "lower") {
        in = lower;
      } else if (name == "alpha") {
        in = upper || lower;
      } else if (name == "alnum") {
        in = upper || lower || digit;
      } else if (name == "xdigit") {
        in = digit || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
      } else if (name == "space") {
        in = b == ' ' || (b >= '\t' && b <= '\r');
      } else if (name == "blank") {
        in = b == ' ' || b == '\t';
      } else if (name == "punct") {
        in = graph && !upper && !lower && !digit;
      } else if (name == "print") {
        in = graph || b == ' ';
      } else if (name == "graph") {
        in = graph;
      } else if (name == "cntrl") {
        in = b < 0x20 || b == 0x7f;
      } else {
        return false;
      }
      if (in) (*set)[b] = true;
    }
    return true;
  }

  bool Fail(const std::string& why) {
    if (err_.empty()) err_ = why;
    return false;
  }

  int Add(Pattern::Inst inst) {
    p_->prog_.push_back(inst);
    return static_cast<int>(p_->prog_.size()) - 1;
  }
  int Here() const { return static_cast<int>(p_->prog_.size()); }

  void Emit(const Node& n) {
    if (p_->prog_.size() > kMaxPatternProgram) return;  // Refused in Run; stop growing.
    using Op = Pattern::Op;
    switch (n.kind) {
      case Node::Kind::kEmpty:
        return;
      case Node::Kind::kByte:
        Add({Op::kByte, n.byte});
        return;
      case Node::Kind::kAny:
        Add({Op::kAny});
        return;
      case Node::Kind::kClass:
        Add({Op::kClass, 0, n.cls});
        return;
      case Node::Kind::kBol:
        Add({Op::kBol});
        return;
      case Node::Kind::kEol:
        Add({Op::kEol});
        return;
      case Node::Kind::kConcat:
        for (const auto& k : n.kids) Emit(*k);
        return;
      case Node::Kind::kAlt: {
        // split L1, next; L1: kid; jmp end; next: split ... ; the last kid alone.
        std::vector<int> jumps;
        for (size_t k = 0; k + 1 < n.kids.size(); ++k) {
          int split = Add({Op::kSplit});
          p_->prog_[split].x = Here();
          Emit(*n.kids[k]);
          jumps.push_back(Add({Op::kJmp}));
          p_->prog_[split].y = Here();
        }
        Emit(*n.kids.back());
        for (int j : jumps) p_->prog_[j].x = Here();
        return;
      }
      case Node::Kind::kRepeat: {
        const Node& kid = *n.kids[0];
        for (int k = 0; k < n.min; ++k) Emit(kid);
        if (n.max < 0) {
          // loop: split body, end; body; jmp loop
          int split = Add({Op::kSplit});
          p_->prog_[split].x = Here();
          Emit(kid);
          Add({Op::kJmp, 0, split});
          p_->prog_[split].y = Here();
          return;
        }
        std::vector<int> splits;
        for (int k = n.min; k < n.max; ++k) {
          int split = Add({Op::kSplit});
          p_->prog_[split].x = Here();
          splits.push_back(split);
          Emit(kid);
        }
        for (int s : splits) p_->prog_[s].y = Here();
        return;
      }
    }
  }

  std::string_view s_;
  Pattern* p_;
  size_t i_ = 0;
  int depth_ = 0;
  std::string err_;
};

bool Pattern::Compile(std::string_view source, std::string* why) {
  prog_.clear();
  classes_.clear();
  states_.clear();
  index_.clear();
  mark_.clear();
  start_ = -1;
  return PatternCompiler(source, this).Run(why);
}

// The closure of `seeds` and of the start of the pattern: the instructions their jumps,
// splits and anchors lead to, at a position that is the text's start, its end, or neither.
void Pattern::Closure(const std::vector<int>& seeds, bool at_start, bool at_end, DState* d,
                      uint64_t* steps) const {
  if (mark_.size() != prog_.size()) mark_.assign(prog_.size(), 0);
  if (++generation_ == 0) {  // Wrapped: marks of old generations could look current.
    std::fill(mark_.begin(), mark_.end(), 0);
    generation_ = 1;
  }
  stack_.assign(1, 0);  // Explored last: the seeds come first.
  stack_.insert(stack_.end(), seeds.rbegin(), seeds.rend());
  while (!stack_.empty()) {
    const int pc = stack_.back();
    stack_.pop_back();
    ++*steps;
    if (mark_[pc] == generation_) continue;
    mark_[pc] = generation_;
    const Inst& in = prog_[pc];
    switch (in.op) {
      case Op::kJmp:
        stack_.push_back(in.x);
        break;
      case Op::kSplit:
        stack_.push_back(in.y);
        stack_.push_back(in.x);
        break;
      case Op::kBol:
        if (at_start) stack_.push_back(pc + 1);
        break;
      case Op::kEol:
        if (at_end) {
          stack_.push_back(pc + 1);
        } else {
          d->eols.push_back(pc);
        }
        break;
      case Op::kMatch:
        d->match = true;
        break;
      case Op::kByte:
      case Op::kAny:
      case Op::kClass:
        d->threads.push_back(pc);
        break;
    }
  }
}

int Pattern::Intern(DState d, uint64_t* steps) const {
  // A set, whatever order it was found in: sorted, it names one state.
  std::sort(d.threads.begin(), d.threads.end());
  std::sort(d.eols.begin(), d.eols.end());
  std::string key;
  key.reserve((d.threads.size() + d.eols.size() + 1) * sizeof(int) + 1);
  key.push_back(static_cast<char>(d.match));
  key.append(reinterpret_cast<const char*>(d.threads.data()), d.threads.size() * sizeof(int));
  const int bar = -1;
  key.append(reinterpret_cast<const char*>(&bar), sizeof bar);
  key.append(reinterpret_cast<const char*>(d.eols.data()), d.eols.size() * sizeof(int));
  *steps += key.size() / sizeof(int);
  auto found = index_.find(key);
  if (found != index_.end()) return found->second;
  if (states_.size() >= kMaxStates) {
    states_.clear();
    index_.clear();
    start_ = -1;
    ++resets_;
  }
  d.next.fill(-1);
  states_.push_back(std::move(d));
  const int id = static_cast<int>(states_.size()) - 1;
  index_.emplace(std::move(key), id);
  return id;
}

// Each position's threads are a set of instructions, and the set after a byte depends
// only on the set before it and the byte: a state of a DFA, built when first reached and
// kept with its transitions. A new thread starts at every position: the search is
// unanchored.
bool Pattern::Search(std::string_view text) const {
  if (prog_.empty()) return false;
  uint64_t steps = 0;
  struct Record {
    const uint64_t& steps;
    uint64_t* out;
    ~Record() { *out = steps; }
  } record{steps, &last_steps_};
  const size_t n = text.size();
  if (n == 0) {
    DState d;
    Closure({}, true, true, &d, &steps);
    return d.match;
  }
  if (start_ < 0) {
    DState d;
    Closure({}, true, false, &d, &steps);
    start_ = Intern(std::move(d), &steps);
  }
  int s = start_;
  for (size_t i = 0; i < n; ++i) {
    if (states_[s].match) return true;
    const uint8_t b = static_cast<uint8_t>(text[i]);
    int t = states_[s].next[b];
    if (t < 0) {
      seeds_.clear();
      for (int pc : states_[s].threads) {
        const Inst& in = prog_[pc];
        if (in.op == Op::kAny || (in.op == Op::kByte && in.byte == b) ||
            (in.op == Op::kClass && classes_[in.x][b])) {
          seeds_.push_back(pc + 1);
        }
      }
      steps += states_[s].threads.size();
      DState d;
      Closure(seeds_, false, false, &d, &steps);
      const uint64_t resets = resets_;
      t = Intern(std::move(d), &steps);
      if (resets_ == resets) states_[s].next[b] = static_cast<int16_t>(t);  // `s` still there.
    }
    s = t;
    if (steps > kMaxSearchSteps) {  // Counts building states only: a lookup is free.
      ++gave_up_;
      return false;
    }
  }
  if (states_[s].match) return true;
  if (states_[s].end < 0) {
    // At the end $ holds: where the threads waiting on it lead.
    seeds_.clear();
    for (int pc : states_[s].eols) seeds_.push_back(pc + 1);
    DState d;
    Closure(seeds_, false, true, &d, &steps);
    states_[s].end = d.match ? 1 : 0;
  }
  return states_[s].end == 1;
}

}  // namespace tend
