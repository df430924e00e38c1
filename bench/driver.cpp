// cni-bench-driver: runs one CNI command of a plugin once per container namespace and reports
// each call's wall time, CPU time and peak RSS, keeping its own cost out of the figures.
//
// The driver enters the "host" namespace itself (setns), so no `ip netns exec` is measured, then
// starts the plugin once per container (fork + execve) with the CNI environment and the config
// on stdin, keeping up to P calls in flight. Any failing call makes the driver exit 1 after
// printing the call's stdout and stderr.
//
// Usage: cni-bench-driver --plugin PATH --config FILE [--plugin PATH --config FILE...]
//                         --host-netns PATH --command CMD
//                         [--parallel P] [--id-prefix bench] [--timeout SECONDS]
//                         [--ifname NAME] [--env KEY=VALUE]... [--arg ARG]...
//                         [--first-index K] [--port-base B] [--prev-result FILE]
//                         [--result-dir DIR] CONTAINER-NETNS...
// --env adds a variable to every call's environment (the floor program's FLOOR_*); --arg adds an
// argument after the program's name, @NETNS@ in it replaced by the call's container netns path
// (netavark setup/teardown); @INDEX@ in --config's path is replaced by the call's index from 1
// (netavark's options differ per container), and in --ifname's NAME (default eth0; many
// attachments in one namespace, as bench/run's scale table fills a bridge).
// Chained mode (more than one --plugin): one "call" is the whole chain for one container, as
// libcni runs a conflist: on ADD the plugins in the order given, each with the previous one's
// stdout as "prevResult" (added before the config's closing brace); on DEL in reverse order,
// each with the chain's cached ADD result (DIR/<index>.json, written by the ADD run given the
// same --result-dir) as "prevResult". The latency is from the first fork to the last reap.
// --prev-result FILE: the first plugin's prevResult on ADD (a synthetic result, e.g. to call a
// chained plugin alone). In configs and that file, @IDX@ becomes the container's index
// (K + position, K default 0), @HPd@ (d a digit) the host port B + 10 * (index - 1) + d
// (B default 20000), @IPHI@ and @IPLO@ index / 256 and index % 256 (for distinct addresses),
// @NETNS@ the container's CNI_NETNS.
// Output (stdout): one line per call, in container order, then two summary lines:
//   call <index from 1> <latency ms> <plugin KiB> <tree KiB> <CPU ms>
//   tree_max_rss_kib <KiB>
//   driver_max_rss_kib <KiB>
//
// latency: CLOCK_MONOTONIC from just before fork to the wait4 that reaps the plugin, what a
//   runtime sees (process start and dynamic loading included), minus the time the driver itself
//   spends reading the plugin's RSS at its exit stop (see below).
// plugin: the plugin process's own peak RSS (VmHWM), read from /proc/<pid>/status while the
//   plugin is held at its exit by ptrace (PTRACE_SEIZE + PTRACE_O_TRACEEXIT; only the plugin's
//   main thread is traced, not its children). wait4's ru_maxrss cannot give this: the kernel
//   reports a child's RUSAGE_BOTH there, the maximum over the plugin and every process it waited
//   for (host-local, iptables), and also counts the image the process had before execve. -1 when
//   ptrace is not allowed.
// tree: wait4's ru_maxrss for the call: the largest peak RSS of any one process of the call's
//   tree (plugin, IPAM plugin, iptables), not a sum. Its floor is the pre-exec image, a fork of
//   the driver (driver_max_rss_kib bounds it).
// CPU: user + system time of the call's whole tree (wait4's RUSAGE_BOTH).
// tree_max_rss_kib: getrusage(RUSAGE_CHILDREN).ru_maxrss at the end, the "tree" figure over all
//   calls.
// A call still running after --timeout seconds (default 120) is a hang, not a figure: the driver
// prints the call's process tree (state, kernel wait channel, command line of every process)
// and what it wrote so far, kills that tree and exits 1.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

// One plugin of a chain: its path and its config file (@INDEX@ in the path, see above).
struct Step {
  std::string plugin;
  std::string config;
};

struct Options {
  std::string plugin;  // the first step's (for messages)
  std::string config;
  std::vector<Step> steps;
  std::string prev_result;  // --prev-result: template text
  std::string result_dir;
  int first_index = 0;
  int port_base = 20000;
  std::string host_netns;
  std::string command;
  std::string id_prefix = "bench";
  std::string ifname = "eth0";  // --ifname: CNI_IFNAME, @INDEX@ in it replaced by the call's index
  int parallel = 1;
  int timeout_s = 120;
  std::vector<std::string> containers;
  std::vector<std::string> extra_env;   // --env KEY=VALUE, added to every call's environment
  std::vector<std::string> extra_args;  // --arg ARG, after the program's name; @NETNS@ in one
                                        // becomes the call's container netns path
};

// `s` with every `token` replaced by `value`.
std::string substitute(std::string s, std::string_view token, const std::string& value) {
  for (auto at = s.find(token); at != std::string::npos; at = s.find(token, at + value.size()))
    s.replace(at, token.size(), value);
  return s;
}

struct Call {
  pid_t pid = -1;
  std::size_t step = 0;  // chained mode: the plugin of the chain running now
  std::string prev;      // the prevResult of the step running now
  int out = -1;          // memfds holding the plugin's stdout and stderr
  int err = -1;
  bool traced = false;
  double start_ms = 0;
  double driver_ms = 0;  // spent by the driver while the plugin was held at its exit stop
  double latency_ms = 0;
  double cpu_ms = 0;
  long plugin_kib = -1;
  long tree_kib = 0;
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "cni-bench-driver: %s\n", msg.c_str());
  std::exit(2);
}

[[noreturn]] void die_errno(const std::string& what) {
  die(what + ": " + std::strerror(errno));
}

void usage() {
  die("usage: cni-bench-driver --plugin PATH --config FILE [--plugin PATH --config FILE...] "
      "--host-netns PATH --command CMD [--parallel P] [--id-prefix PREFIX] [--timeout SECONDS] "
      "[--ifname NAME] [--env KEY=VALUE]... [--arg ARG]... "
      "[--first-index K] [--port-base B] [--prev-result FILE] [--result-dir DIR] "
      "CONTAINER-NETNS...");
}

std::string read_text(const std::string& path);

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--plugin") {
      o.steps.push_back({value(), {}});
    } else if (a == "--config") {
      if (o.steps.empty()) usage();
      o.steps.back().config = value();
    } else if (a == "--prev-result") {
      o.prev_result = read_text(value());
    } else if (a == "--result-dir") {
      o.result_dir = value();
    } else if (a == "--first-index") {
      o.first_index = std::atoi(value().c_str());
    } else if (a == "--port-base") {
      o.port_base = std::atoi(value().c_str());
    } else if (a == "--host-netns") {
      o.host_netns = value();
    } else if (a == "--command") {
      o.command = value();
    } else if (a == "--parallel") {
      o.parallel = std::atoi(value().c_str());
    } else if (a == "--id-prefix") {
      o.id_prefix = value();
    } else if (a == "--timeout") {
      o.timeout_s = std::atoi(value().c_str());
    } else if (a == "--ifname") {
      o.ifname = value();
    } else if (a == "--env") {
      o.extra_env.push_back(value());
    } else if (a == "--arg") {
      o.extra_args.push_back(value());
    } else if (a.starts_with("--")) {
      usage();
    } else {
      o.containers.emplace_back(a);
    }
  }
  if (o.steps.empty() || o.host_netns.empty() || o.command.empty() || o.containers.empty() ||
      o.parallel < 1 || o.timeout_s < 1)
    usage();
  for (const auto& step : o.steps)
    if (step.config.empty()) usage();
  if (o.command == "DEL") std::reverse(o.steps.begin(), o.steps.end());  // as libcni
  o.plugin = o.steps.front().plugin;
  o.config = o.steps.front().config;
  return o;
}

double now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ms_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
}

std::string read_all(int fd) {
  std::string s;
  char buf[4096];
  if (lseek(fd, 0, SEEK_SET) < 0) return s;
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
    s.append(buf, static_cast<size_t>(n));
  return s;
}

// The whole file, empty if unreadable (a process that is gone).
std::string read_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string s = read_all(fd);
  close(fd);
  return s;
}

// The whole file; dies when unreadable (an input of the driver).
std::string read_text(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open " + path);
  std::string s = read_all(fd);
  close(fd);
  return s;
}

// The template with @IDX@, @HPd@, @IPHI@, @IPLO@, @NETNS@ replaced for container `index` (see
// above).
std::string expand(std::string_view tmpl, int index, int port_base, std::string_view netns) {
  std::string out;
  out.reserve(tmpl.size());
  for (std::size_t i = 0; i < tmpl.size();) {
    const std::string_view rest = tmpl.substr(i);
    if (rest.starts_with("@IDX@")) {
      out += std::to_string(index);
      i += 5;
    } else if (rest.starts_with("@NETNS@")) {
      out += netns;
      i += 7;
    } else if (rest.starts_with("@IPHI@")) {
      out += std::to_string(index / 256);
      i += 6;
    } else if (rest.starts_with("@IPLO@")) {
      out += std::to_string(index % 256);
      i += 6;
    } else if (rest.size() >= 5 && rest.starts_with("@HP") && rest[3] >= '0' && rest[3] <= '9' &&
               rest[4] == '@') {
      out += std::to_string(port_base + 10 * (index - 1) + (rest[3] - '0'));
      i += 5;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

// The config with "prevResult" added as its last key (libcni's injection); unchanged without.
std::string with_prev_result(std::string config, std::string_view prev) {
  const auto trim = [](std::string_view v) {
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())))
      v.remove_suffix(1);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front())))
      v.remove_prefix(1);
    return v;
  };
  prev = trim(prev);
  const auto close = config.rfind('}');
  if (prev.empty() || close == std::string::npos) return config;
  std::string insert = ",\"prevResult\":";
  insert.append(prev);
  config.insert(close, insert);
  return config;
}

// The text after "KEY:" in /proc/<pid>/status, leading blanks dropped; empty if absent.
std::string status_field(pid_t pid, std::string_view key) {
  const std::string s = read_file("/proc/" + std::to_string(pid) + "/status");
  const std::string tag = "\n" + std::string(key) + ":";
  auto at = s.find(tag);
  if (at == std::string::npos) return {};
  at = s.find_first_not_of(" \t", at + tag.size());
  if (at == std::string::npos) return {};
  return s.substr(at, s.find('\n', at) - at);
}

// VmHWM of a live process in KiB, -1 if unreadable.
long peak_rss_kib(pid_t pid) {
  const std::string hwm = status_field(pid, "VmHWM");
  return hwm.empty() ? -1 : std::atol(hwm.c_str());
}

// pid and every live descendant (through /proc/<pid>/task/<tid>/children), parents first.
void collect_tree(pid_t pid, std::vector<pid_t>& out) {
  out.push_back(pid);
  std::error_code ec;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    const std::string children = read_file(task.path().string() + "/children");
    const char* p = children.c_str();
    for (char* next = nullptr;; p = next) {
      const long child = std::strtol(p, &next, 10);
      if (next == p) break;
      collect_tree(static_cast<pid_t>(child), out);
    }
  }
}

// One line per process: pid, state, kernel wait channel, command line.
std::string describe(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::string cmdline = read_file(dir + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return "  pid " + std::to_string(pid) + " state " + status_field(pid, "State") + " wchan " +
         read_file(dir + "/wchan") + " : " + cmdline;
}

// Under SCHED_FIFO (bench/run's default) the plugins run at the priority the driver was started
// with, and the driver one above them: a plugin that spins (a Go runtime's threads can livelock
// under SCHED_FIFO on 2 CPUs) would otherwise keep the driver, at the same priority, off the
// CPUs, and its timeout would never fire. g_plugin_priority is what the children get back; -1
// when the driver is not SCHED_FIFO (nothing changes).
int g_plugin_priority = -1;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void rise_above_plugins() {
  if (sched_getscheduler(0) != SCHED_FIFO) return;
  sched_param p{};
  if (sched_getparam(0, &p) != 0 || p.sched_priority >= sched_get_priority_max(SCHED_FIFO)) return;
  g_plugin_priority = p.sched_priority;
  p.sched_priority += 1;
  if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) g_plugin_priority = -1;
}

void on_alarm(int /*unused*/) {}

// SIGALRM once a second, without SA_RESTART, so the driver's wait4 returns to look at the clock.
void start_ticking() {
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  if (sigaction(SIGALRM, &sa, nullptr) != 0) die_errno("sigaction");
  itimerval tick{{1, 0}, {1, 0}};
  if (setitimer(ITIMER_REAL, &tick, nullptr) != 0) die_errno("setitimer");
}

void enter_netns(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open host netns " + path);
  if (setns(fd, CLONE_NEWNET) != 0) die_errno("setns " + path);
  close(fd);
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Runner {
 public:
  explicit Runner(const Options& o) : o_(o), calls_(o.containers.size()) {
    const char* path = std::getenv("PATH");
    path_env_ = std::string("PATH=") + (path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  }

  // Returns false when any call failed (after reporting it).
  bool run() {
    size_t next = 0;
    size_t in_flight = 0;
    bool ok = true;
    while (next < calls_.size() || in_flight > 0) {
      while (next < calls_.size() && in_flight < static_cast<size_t>(o_.parallel)) {
        spawn(next++);
        ++in_flight;
      }
      int status = 0;
      rusage ru{};
      const pid_t pid = wait4(-1, &status, __WALL, &ru);
      const double end = now_ms();
      if (pid < 0) {
        if (errno != EINTR) die_errno("wait4");
        if (const Call* late = overdue(end)) {
          report_hang(*late, end);
          return false;
        }
        continue;
      }
      Call* c = find(pid);
      if (c == nullptr) continue;
      if (WIFSTOPPED(status)) {
        stopped(*c, status, end);
        continue;
      }
      c->tree_kib = std::max(c->tree_kib, ru.ru_maxrss);
      c->cpu_ms += ms_of(ru.ru_utime) + ms_of(ru.ru_stime);
      const bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
      if (!failed && c->step + 1 < o_.steps.size()) {
        next_step(*c);
        continue;
      }
      --in_flight;
      c->latency_ms = end - c->start_ms - c->driver_ms;
      if (failed) {
        ok = false;
        report_failure(*c, status);
      } else if (o_.command == "ADD" && !o_.result_dir.empty()) {
        save_result(*c);
      }
      close(c->out);
      close(c->err);
      c->pid = -1;
    }
    return ok;
  }

  void print() const {
    for (size_t i = 0; i < calls_.size(); ++i) {
      const Call& c = calls_[i];
      std::printf("call %zu %.3f %ld %ld %.3f\n", i + 1, c.latency_ms, c.plugin_kib, c.tree_kib,
                  c.cpu_ms);
    }
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    std::printf("tree_max_rss_kib %ld\n", ru.ru_maxrss);
    getrusage(RUSAGE_SELF, &ru);
    std::printf("driver_max_rss_kib %ld\n", ru.ru_maxrss);
  }

 private:
  int index_of(const Call& c) const {
    return o_.first_index + static_cast<int>(&c - calls_.data()) + 1;
  }

  std::string result_path(const Call& c) const {
    return o_.result_dir + "/" + std::to_string(index_of(c)) + ".json";
  }

  // Chained mode: the next plugin of the chain, with this one's result as its prevResult on ADD
  // (on DEL every plugin gets the cached result). Its preparation is timed, as a runtime's.
  void next_step(Call& c) {
    if (o_.command == "ADD") c.prev = read_all(c.out);
    close(c.out);
    close(c.err);
    ++c.step;
    spawn(static_cast<size_t>(&c - calls_.data()));
  }

  void save_result(const Call& c) const {
    const std::string path = result_path(c);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) die_errno("open " + path);
    const std::string out = read_all(c.out);
    if (write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size()))
      die_errno("write " + path);
    close(fd);
  }

  // The config of the call's current step, expanded, with its prevResult, in a memfd.
  int stdin_of(Call& c) {
    const int index = index_of(c);
    const std::string& netns = o_.containers[static_cast<size_t>(&c - calls_.data())];
    if (c.step == 0) {
      if (o_.command != "ADD" && !o_.result_dir.empty())
        c.prev = read_text(result_path(c));
      else
        c.prev = expand(o_.prev_result, index, o_.port_base, netns);
    }
    const std::string path =
        substitute(o_.steps[c.step].config, "@INDEX@", std::to_string(&c - calls_.data() + 1));
    const std::string conf =
        with_prev_result(expand(read_text(path), index, o_.port_base, netns), c.prev);
    const int fd = memfd_create("stdin", MFD_CLOEXEC);
    if (fd < 0) die_errno("memfd_create");
    if (write(fd, conf.data(), conf.size()) != static_cast<ssize_t>(conf.size()) ||
        lseek(fd, 0, SEEK_SET) != 0)
      die_errno("write config");
    return fd;
  }

  void spawn(size_t i) {
    Call& c = calls_[i];
    // Everything but fork and exec is prepared outside the timed region (for the first step).
    const int in = stdin_of(c);
    const std::string& plugin = o_.steps[c.step].plugin;
    c.out = memfd_create("stdout", MFD_CLOEXEC);
    c.err = memfd_create("stderr", MFD_CLOEXEC);
    if (c.out < 0 || c.err < 0) die_errno("memfd_create");
    int gate[2];  // the child execs once the driver has attached (EOF on gate[0])
    if (pipe2(gate, O_CLOEXEC) != 0) die_errno("pipe2");

    std::vector<std::string> env = {
        path_env_,
        "CNI_COMMAND=" + o_.command,
        "CNI_CONTAINERID=" + o_.id_prefix + std::to_string(index_of(c)),
        "CNI_NETNS=" + o_.containers[i],
        "CNI_IFNAME=" + substitute(o_.ifname, "@INDEX@", std::to_string(i + 1)),
        "CNI_PATH=" + dir_of(plugin),
    };
    env.insert(env.end(), o_.extra_env.begin(), o_.extra_env.end());
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = {plugin};
    for (const auto& a : o_.extra_args)
      args.push_back(substitute(a, "@NETNS@", o_.containers[i]));
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);

    if (c.step == 0) c.start_ms = now_ms();
    c.pid = fork();
    if (c.pid < 0) die_errno("fork");
    if (c.pid == 0) {  // only async-signal-safe calls from here on
      close(gate[1]);
      char b;
      while (read(gate[0], &b, 1) < 0 && errno == EINTR) {
      }
      if (dup2(in, 0) < 0 || dup2(c.out, 1) < 0 || dup2(c.err, 2) < 0) _exit(126);
      if (g_plugin_priority >= 0) {
        sched_param p{};
        p.sched_priority = g_plugin_priority;
        if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) _exit(126);
      }
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    c.traced = ptrace(PTRACE_SEIZE, c.pid, nullptr, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL) == 0;
    close(gate[0]);
    close(gate[1]);
    close(in);
  }

  // A traced plugin stopped: at its exit (read its peak RSS), or for a signal (pass it on).
  void stopped(Call& c, int status, double seen) {
    int sig = WSTOPSIG(status);
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      c.plugin_kib = peak_rss_kib(c.pid);
      sig = 0;
    } else if (status >> 16 != 0) {
      sig = 0;  // another ptrace event or a group stop
    }
    ptrace(PTRACE_CONT, c.pid, nullptr, sig);
    c.driver_ms += now_ms() - seen;
  }

  const Call* overdue(double now) const {
    for (const auto& c : calls_)
      if (c.pid > 0 && now - c.start_ms > o_.timeout_s * 1e3) return &c;
    return nullptr;
  }

  // Prints the hung call's process tree and output so far, then kills that tree.
  void report_hang(const Call& c, double now) const {
    const size_t i = static_cast<size_t>(&c - calls_.data());
    std::fprintf(
        stderr, "cni-bench-driver: %s %s container %s%zu (netns %s) still running after %.0f s:\n",
        o_.steps[c.step].plugin.c_str(), o_.command.c_str(), o_.id_prefix.c_str(),
        static_cast<size_t>(index_of(c)), o_.containers[i].c_str(), (now - c.start_ms) / 1e3);
    std::vector<pid_t> tree;
    collect_tree(c.pid, tree);
    for (const pid_t p : tree)
      std::fprintf(stderr, "%s\n", describe(p).c_str());
    print_output(c);
    for (const pid_t p : tree)
      kill(p, SIGKILL);
  }

  static void print_output(const Call& c) {
    std::fprintf(stderr, "--- stdout\n%s\n--- stderr\n%s\n---\n", read_all(c.out).c_str(),
                 read_all(c.err).c_str());
  }

  Call* find(pid_t pid) {
    for (auto& c : calls_)
      if (c.pid == pid) return &c;
    return nullptr;
  }

  void report_failure(const Call& c, int status) const {
    const size_t i = static_cast<size_t>(&c - calls_.data());
    std::fprintf(stderr, "cni-bench-driver: %s %s container %s%zu (netns %s) failed: %s %d\n",
                 o_.steps[c.step].plugin.c_str(), o_.command.c_str(), o_.id_prefix.c_str(),
                 static_cast<size_t>(index_of(c)), o_.containers[i].c_str(),
                 WIFEXITED(status) ? "exit code" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    print_output(c);
  }

  const Options& o_;
  std::vector<Call> calls_;
  std::string path_env_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  for (const auto& step : o.steps)
    if (access(step.plugin.c_str(), X_OK) != 0) die_errno(step.plugin);
  enter_netns(o.host_netns);
  rise_above_plugins();
  start_ticking();
  Runner r(o);
  const bool ok = r.run();
  if (!ok) return 1;
  r.print();
  return 0;
}
