// wsgi.input: io.BytesIO semantics over an in-memory body and over a body file (pread).
#include <fcntl.h>
#include <unistd.h>

#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class Input : public PythonTest {
 protected:
  // Runs input_ops with `ops` over `body`, in memory or from an unlinked temporary file.
  std::string ops(std::string_view ops, const std::string& body, bool from_file) {
    Application app = load_app("input_ops");
    Request request = make_request("/input", ops, "POST");
    if (from_file) {
      std::string path = apps_dir() + "/body.tmp";
      write_file(path, body);
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      EXPECT_GE(fd, 0);
      ::unlink(path.c_str());
      request.body_fd = fd;
      request.body_file_size = static_cast<int64_t>(body.size());
    } else {
      request.body = body;
    }
    Response r = run(app, std::move(request));
    EXPECT_EQ(r.last, Step::kDone) << log_text();
    return r.body;
  }
};

const std::string kBody = "line1\nline2\nlast";

TEST_F(Input, ReadReadlineReadlines) {
  for (bool from_file : {false, true}) {
    EXPECT_EQ(ops("read:3,readline,readline:2,readlines,read,readline", kBody, from_file),
              "b'lin'\nb'e1\\n'\nb'li'\n[b'ne2\\n', b'last']\nb''\nb''")
        << from_file;
    EXPECT_EQ(ops("read", kBody, from_file), "b'line1\\nline2\\nlast'") << from_file;
    EXPECT_EQ(ops("read:-1", kBody, from_file), "b'line1\\nline2\\nlast'") << from_file;
    EXPECT_EQ(ops("read:0,read:100,read:5", kBody, from_file), "b''\nb'line1\\nline2\\nlast'\nb''")
        << from_file;
    EXPECT_EQ(ops("readline:0,readline:-1,readline:100", kBody, from_file),
              "b''\nb'line1\\n'\nb'line2\\n'")
        << from_file;
  }
}

TEST_F(Input, ReadlinesHintStopsOnceReached) {
  for (bool from_file : {false, true}) {
    EXPECT_EQ(ops("readlines:7", kBody, from_file), "[b'line1\\n', b'line2\\n']") << from_file;
    EXPECT_EQ(ops("readlines:6", kBody, from_file), "[b'line1\\n']") << from_file;
    EXPECT_EQ(ops("readlines:0", kBody, from_file), "[b'line1\\n', b'line2\\n', b'last']") << from_file;
  }
}

TEST_F(Input, Iteration) {
  for (bool from_file : {false, true}) {
    EXPECT_EQ(ops("iter", kBody, from_file), "[b'line1\\n', b'line2\\n', b'last']") << from_file;
    EXPECT_EQ(ops("readline,iter", kBody, from_file), "b'line1\\n'\n[b'line2\\n', b'last']") << from_file;
    EXPECT_EQ(ops("iter", "", from_file), "[]") << from_file;
  }
}

TEST_F(Input, LongLinesFromAFileCrossBlocks) {
  std::string body(10000, 'x');
  body += "\nend";
  std::string expected = "b'" + std::string(10000, 'x') + "\\n'\nb'end'";
  EXPECT_EQ(ops("readline,readline", body, true), expected);
  EXPECT_EQ(ops("readline:9000,read:3", body, true), "b'" + std::string(9000, 'x') + "'\nb'xxx'");
}

TEST_F(Input, EmptyBody) {
  EXPECT_EQ(ops("read,readline,readlines", "", false), "b''\nb''\n[]");
}

TEST_F(Input, SizeMayBeNoneButNotAStr) {
  EXPECT_EQ(ops("read:2,read_none", kBody, false), "b'li'\nb'ne1\\nline2\\nlast'");
  Application app = load_app("input_ops");
  Request request = make_request("/input", "read_str", "POST");
  request.body = kBody;
  Response r = run(app, std::move(request));
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("\nTypeError: argument should be integer or None, not 'str'\n"),
            std::string::npos)
      << log_text();
}

}  // namespace
}  // namespace wc::app::python::testing
