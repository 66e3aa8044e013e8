// initialize(): Debian's interpreter (sys.prefix /usr, dist-packages importable), no signal
// handlers, sys.argv, sys.path prepending; the fork hooks.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/python/interpreter.h"
#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class Interpreter : public PythonTest {};

std::string line_of(const std::string& text, const std::string& key) {
  size_t at = text.find(key + "=");
  if (at == std::string::npos) return "<missing " + key + ">";
  size_t end = text.find('\n', at);
  return text.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos : end - at - key.size() - 1);
}

TEST_F(Interpreter, DebiansPythonWithItsPackagesAndNoSignalHandlers) {
  EXPECT_TRUE(initialized());
  std::string info = run_app("sys_info").body;
  EXPECT_EQ(line_of(info, "prefix"), "/usr");
  EXPECT_EQ(line_of(info, "argv"), "['webcycle']");
  EXPECT_EQ(line_of(info, "dist_packages"), "True");
  EXPECT_EQ(line_of(info, "flask"), "ok");
  EXPECT_EQ(line_of(info, "django"), "ok");
  // Python installed no handlers, not even SIGINT's KeyboardInterrupt one that importing the
  // signal module installs: the server's signalfd sees every signal.
  EXPECT_EQ(line_of(info, "sigint_default"), "True");
  EXPECT_EQ(line_of(info, "sigterm_default"), "True");
  for (int signo : {SIGINT, SIGTERM, SIGPIPE, SIGXFSZ}) {
    struct sigaction current = {};
    ASSERT_EQ(::sigaction(signo, nullptr, &current), 0);
    EXPECT_EQ(current.sa_handler, SIG_DFL) << signo;
  }
  EXPECT_EQ(line_of(info, "path").rfind("['" + apps_dir() + "', ", 0), 0u) << info;
}

TEST_F(Interpreter, SecondInitializePrependsOnlyNewPathsInOrder) {
  std::string a = apps_dir() + "/a";
  std::string b = apps_dir() + "/b";
  ASSERT_TRUE(initialize(InterpreterSettings{{a, b, apps_dir()}}));
  EXPECT_EQ(line_of(run_app("sys_info").body, "path"), "['" + a + "', '" + b + "', '" + apps_dir() + "']");
  ASSERT_TRUE(initialize(InterpreterSettings{{a, b}}));
  EXPECT_EQ(line_of(run_app("sys_info").body, "path"), "['" + a + "', '" + b + "', '" + apps_dir() + "']");
}

TEST_F(Interpreter, ForkHooksLetTheChildServe) {
  Application app = load_app("hello");
  before_fork();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    after_fork_child();
    Call call = app.call(make_request("/child"));
    Piece piece;
    bool ok = call.next(piece) == Step::kBody && piece.body == "Hello, world!" &&
              call.next(piece) == Step::kDone;
    call.finish();
    ::_exit(ok ? 0 : 1);
  }
  after_fork_parent();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(run(app, make_request("/parent")).body, "Hello, world!");
}

}  // namespace
}  // namespace wc::app::python::testing
