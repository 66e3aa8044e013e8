// read_config_file: gunicorn's -c FILE reading, every public module-level name with its kind.
#include "app/python/interpreter.h"
#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

using Kind = ConfigSetting::Kind;

class ConfigFile : public PythonTest {};

TEST_F(ConfigFile, EveryPublicNameInOrderWithItsKind) {
  std::string path = apps_dir() + "/gunicorn.conf.py";
  write_file(path,
             "import os\n"
             "import multiprocessing as mp\n"
             "from os.path import join\n"
             "bind = ['127.0.0.1:9000', 'unix:/tmp/x.sock']\n"
             "workers = 4\n"
             "timeout = 2.5\n"
             "preload_app = True\n"
             "daemon = False\n"
             "pidfile = None\n"
             "errorlog = '-'\n"
             "raw_env = ('A=1', 'B=2')\n"
             "here = os.path.basename(__file__)\n"
             "_private = 1\n"
             "limits = {'a': 1}\n"
             "def on_starting(server):\n"
             "    pass\n"
             "class Hooks:\n"
             "    pass\n"
             "workers = workers * 2\n");
  auto settings = read_config_file(path);
  ASSERT_TRUE(settings) << settings.error().message;
  struct Want {
    const char* name;
    Kind kind;
    std::vector<std::string> values;
  };
  const std::vector<Want> want = {
      {"join", Kind::kCallable, {}},
      {"bind", Kind::kList, {"127.0.0.1:9000", "unix:/tmp/x.sock"}},
      {"workers", Kind::kInt, {"8"}},  // reassigned: the last value, at its first position
      {"timeout", Kind::kFloat, {"2.5"}},
      {"preload_app", Kind::kBool, {"True"}},
      {"daemon", Kind::kBool, {"False"}},
      {"pidfile", Kind::kNone, {}},
      {"errorlog", Kind::kString, {"-"}},
      {"raw_env", Kind::kList, {"A=1", "B=2"}},
      {"here", Kind::kString, {"gunicorn.conf.py"}},
      {"limits", Kind::kOther, {"{'a': 1}"}},
      {"on_starting", Kind::kCallable, {}},
      {"Hooks", Kind::kCallable, {}},
  };
  ASSERT_EQ(settings->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*settings)[i].name, want[i].name) << i;
    EXPECT_EQ((*settings)[i].kind, want[i].kind) << want[i].name;
    EXPECT_EQ((*settings)[i].values, want[i].values) << want[i].name;
  }
}

TEST_F(ConfigFile, FileWithoutPyExtensionIsReadWithAWarning) {
  std::string path = apps_dir() + "/settings.conf";
  write_file(path, "workers = 3\n");
  auto settings = read_config_file(path);
  ASSERT_TRUE(settings) << settings.error().message;
  ASSERT_EQ(settings->size(), 1u);
  EXPECT_EQ((*settings)[0].values, std::vector<std::string>{"3"});
  EXPECT_NE(log_text().find("[WARNING] configuration file should have a valid Python extension.\n"),
            std::string::npos)
      << log_text();
}

TEST_F(ConfigFile, ErrorsCarryTheTraceback) {
  std::string path = apps_dir() + "/bad.conf.py";
  write_file(path, "workers = 2\nraise RuntimeError('config says no')\n");
  auto settings = read_config_file(path);
  ASSERT_FALSE(settings);
  const std::string& message = settings.error().message;
  EXPECT_EQ(message.rfind("Failed to read config file: " + path + "\nTraceback (most recent call last):\n", 0), 0u)
      << message;
  EXPECT_NE(message.find("\nRuntimeError: config says no"), std::string::npos) << message;

  write_file(path, "workers = = 2\n");
  settings = read_config_file(path);
  ASSERT_FALSE(settings);
  EXPECT_NE(settings.error().message.find("SyntaxError: invalid syntax"), std::string::npos)
      << settings.error().message;
}

TEST_F(ConfigFile, MissingFileIsTheOpenError) {
  std::string path = apps_dir() + "/nope.py";
  auto settings = read_config_file(path);
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().message, "open() \"" + path + "\" failed (2: No such file or directory)");
  EXPECT_EQ(settings.error().code, 2);
}

}  // namespace
}  // namespace wc::app::python::testing
