#include "sys/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "cni/error.hpp"

namespace cni::sys {

namespace {
[[noreturn]] void fail(const std::string& what, int err) {
  throw Error(Code::System, what + ": " + std::strerror(err));
}

void make_pipe(UniqueFd& r, UniqueFd& w) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe", errno);
  r.reset(fds[0]);
  w.reset(fds[1]);
}

// A child that exits early must not kill us with SIGPIPE while we write its stdin: ignored
// once for the whole process (a plugin never wants SIGPIPE; write errors are handled).
void ignore_sigpipe() {
  static const bool done = [] {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);
    return true;
  }();
  (void)done;
}

// Writes what the pipe takes of input[written..]; closes `in_w` when all is written or the
// child closed its end.
void write_some(UniqueFd& in_w, std::string_view input, std::size_t& written) {
  while (in_w && written < input.size()) {
    const ssize_t n = write(in_w.get(), input.data() + written, input.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      in_w.reset();  // the child closed stdin
      return;
    }
  }
  in_w.reset();
}
}  // namespace

Child::Child(const std::string& path, const std::vector<std::string>& env, std::string input)
    : path_(path), input_(std::move(input)) {
  UniqueFd in_r, out_w;
  make_pipe(in_r, in_w_);
  make_pipe(out_r_, out_w);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), STDOUT_FILENO);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& e : env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};

  ignore_sigpipe();
  const int rc = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    fail("execute " + path, rc);
  }
  fcntl(in_w_.get(), F_SETFL, O_NONBLOCK);
  fcntl(out_r_.get(), F_SETFL, O_NONBLOCK);
  write_some(in_w_, input_, written_);
}

Child::Child(Child&& o) noexcept
    : path_(std::move(o.path_)),
      input_(std::move(o.input_)),
      written_(o.written_),
      in_w_(std::move(o.in_w_)),
      out_r_(std::move(o.out_r_)),
      pid_(std::exchange(o.pid_, -1)) {}

Child::~Child() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

ProcessResult Child::finish() {
  // Writes the rest of stdin and reads stdout at the same time, so neither side can block
  // the other whatever the sizes.
  ProcessResult result;
  char buf[16384];
  while (out_r_) {
    pollfd fds[2] = {{out_r_.get(), POLLIN, 0}, {in_w_ ? in_w_.get() : -1, POLLOUT, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll", errno);
    }
    if (in_w_ && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      write_some(in_w_, input_, written_);
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = read(out_r_.get(), buf, sizeof buf);
      if (n > 0) {
        result.out.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        out_r_.reset();
      }
    }
  }
  in_w_.reset();
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) fail("wait for " + path_, errno);
  }
  pid_ = -1;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ProcessResult run_process(const std::string& path, const std::vector<std::string>& env,
                          std::string_view input) {
  return Child(path, env, std::string(input)).finish();
}

}  // namespace cni::sys
