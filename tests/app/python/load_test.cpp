// Application::load: gunicorn's util.import_app semantics and messages; --env into os.environ.
#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class Load : public PythonTest {
 protected:
  std::string load_error(std::string_view spec) {
    auto app = Application::load(spec, ServerInfo{"127.0.0.1", "8000", false}, {});
    if (app) {
      ADD_FAILURE() << spec << " loaded";
      return {};
    }
    return app.error().message;
  }
  std::string body_of(std::string_view spec) {
    auto app = Application::load(spec, ServerInfo{"127.0.0.1", "8000", false}, {});
    if (!app) {
      ADD_FAILURE() << spec << ": " << app.error().message;
      return {};
    }
    return run(*app, make_request("/")).body;
  }
};

TEST_F(Load, ModuleAloneMeansApplication) { EXPECT_EQ(body_of("wsgi_apps"), "default application"); }

TEST_F(Load, DottedAttributes) {
  EXPECT_EQ(body_of("wsgi_apps:Namespace.inner"), "Hello, world!");
  EXPECT_EQ(body_of("wsgi_apps:Namespace.Deeper.app"), "default application");
  EXPECT_EQ(load_error("wsgi_apps:Namespace.missing"),
            "Failed to find attribute 'Namespace.missing' in 'wsgi_apps'.");
}

TEST_F(Load, FactoryCallsWithLiteralArguments) {
  EXPECT_EQ(body_of("wsgi_apps:create_app()"), "hi");
  EXPECT_EQ(body_of("wsgi_apps:create_app('yo', times=2, flag=[1, {'a': None}])"), "yoyo");
  EXPECT_EQ(py_state(), "{'factory': [['hi', 1, []], ['yo', 2, [('flag', [1, {'a': None}])]]]}");
}

TEST_F(Load, GunicornsMessages) {
  EXPECT_EQ(load_error("wsgi_apps:missing"), "Failed to find attribute 'missing' in 'wsgi_apps'.");
  EXPECT_EQ(load_error("wsgi_apps:not_callable"), "Application object must be callable.");
  EXPECT_EQ(load_error("wsgi_apps:nothing"), "Failed to find application object: 'nothing'");
  EXPECT_EQ(load_error("wsgi_apps:none_factory()"), "Failed to find application object: 'none_factory()'");
  EXPECT_EQ(load_error("wsgi_apps:a b"), "Failed to parse 'a b' as an attribute name or function call.");
  EXPECT_EQ(load_error("wsgi_apps:hello[0]"),
            "Failed to parse 'hello[0]' as an attribute name or function call.");
  EXPECT_EQ(load_error("wsgi_apps:(lambda: 1)()"),
            "Function reference must be a simple name: '(lambda: 1)()'");
  EXPECT_EQ(load_error("wsgi_apps:create_app(greeting=x)"),
            "Failed to parse arguments as literal values: 'create_app(greeting=x)'");
  EXPECT_EQ(load_error("wsgi_apps:create_app(1, 2, 3)"),
            "TypeError: create_app() takes from 0 to 2 positional arguments but 3 were given");
}

TEST_F(Load, ErrorsRaisedInsideTheFactoryKeepTheirTraceback) {
  std::string error = load_error("wsgi_apps:broken_factory()");
  EXPECT_EQ(error.rfind("Traceback (most recent call last):\n", 0), 0u) << error;
  EXPECT_NE(error.find("in broken_factory\n"), std::string::npos) << error;
  EXPECT_NE(error.find("\nTypeError: raised inside the factory"), std::string::npos) << error;
}

TEST_F(Load, MissingModuleIsTheImportTraceback) {
  std::string error = load_error("no_such_module_xyz:app");
  EXPECT_EQ(error.rfind("Traceback (most recent call last):\n", 0), 0u) << error;
  EXPECT_NE(error.find("\nModuleNotFoundError: No module named 'no_such_module_xyz'"), std::string::npos)
      << error;
  EXPECT_EQ(error.back(), '\'');  // no trailing newline
}

TEST_F(Load, ModuleWithSyntaxError) {
  write_file(apps_dir() + "/broken_syntax.py", "def app(:\n");
  std::string error = load_error("broken_syntax:app");
  EXPECT_NE(error.find("SyntaxError"), std::string::npos) << error;
}

TEST_F(Load, DotPySuggestion) {
  // gunicorn's hint when MODULE is a file name: it checks the path relative to the cwd.
  std::string file = apps_dir() + "/wsgi_apps.py";
  std::string error = load_error(file + ":hello");
  EXPECT_NE(error.find("ImportError: Failed to find application, did you mean '" + apps_dir() +
                       "/wsgi_apps:hello'?"),
            std::string::npos)
      << error;
}

TEST_F(Load, EnvGoesToOsEnviron) {
  const std::pair<std::string, std::string> env[] = {{"WC_TEST_VAR", "forty two"}};
  auto app = Application::load("wsgi_apps:getenv", ServerInfo{"127.0.0.1", "8000", false}, env);
  ASSERT_TRUE(app) << app.error().message;
  EXPECT_EQ(run(*app, make_request("/")).body, "'forty two'");
}

TEST_F(Load, ApplicationsAreIndependentAndMovable) {
  Application a = load_app("counted");
  Application b = load_app("hello");
  Application moved = std::move(a);
  EXPECT_EQ(run(moved, make_request("/")).body, "1");
  EXPECT_EQ(run(b, make_request("/")).body, "Hello, world!");
  EXPECT_EQ(run(moved, make_request("/")).body, "2");
  // A default-constructed (or moved-from) Application answers kError, logged.
  Response r = run(a, make_request("/x"));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("no application loaded"), std::string::npos);
}

}  // namespace
}  // namespace wc::app::python::testing
