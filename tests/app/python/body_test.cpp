// The app's return value: list/tuple fast path and known_length, generators and close(),
// wsgi.file_wrapper (sendfile piece or read blocks).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class Body : public PythonTest {};

TEST_F(Body, ListOfBytesHasAKnownLength) {
  Response r = run_app("hello");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.status, "200 OK");
  EXPECT_EQ(r.code, 200);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "Content-Type");
  EXPECT_EQ(r.headers[0].value, "text/plain");
  EXPECT_EQ(r.body, "Hello, world!");
  EXPECT_EQ(r.known_length, 13);
  EXPECT_TRUE(r.committed);
}

TEST_F(Body, TupleSkipsEmptyItems) {
  Response r = run_app("tuple_body");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"ab", "cde"}));
  EXPECT_EQ(r.known_length, 5);
}

TEST_F(Body, EmptyListIsZeroLength) {
  Response r = run_app("empty_list");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.code, 204);
  EXPECT_EQ(r.known_length, 0);
  EXPECT_TRUE(r.pieces.empty());
}

TEST_F(Body, NonBytesItemIsAnErrorWithGunicornsMessage) {
  Response r = run_app("str_body");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_FALSE(r.committed);  // nothing sent: the server answers 500
  EXPECT_EQ(r.known_length, -1);
  EXPECT_NE(log_text().find("[ERROR] Error handling request /str_body\nTypeError: 'hello' is not a byte\n"),
            std::string::npos)
      << log_text();

  Response mixed = run_app("mixed_list");
  EXPECT_EQ(mixed.last, Step::kError);
  EXPECT_EQ(mixed.body, "ok");
  EXPECT_TRUE(mixed.committed);  // "ok" went out: the server closes the connection
  EXPECT_EQ(mixed.known_length, -1);
}

TEST_F(Body, CloseIsCalledAfterIteration) {
  Response r = run_app("closing");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.body, "xyz");
  EXPECT_EQ(r.known_length, -1);
  EXPECT_EQ(py_state(), "{'closed': ['closing']}");
}

TEST_F(Body, CloseIsCalledWhenIterationRaises) {
  Response r = run_app("closing_fails");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_EQ(r.body, "x");
  EXPECT_EQ(py_state(), "{'closed': ['closing_fails']}");
  EXPECT_NE(log_text().find("\nRuntimeError: iteration failed at 1\n"), std::string::npos) << log_text();
}

TEST_F(Body, GeneratorBody) {
  Response r = run_app("generator");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"gen1,", "gen2"}));
  EXPECT_EQ(py_state(), "{'generator_finally': ['/generator']}");
}

TEST_F(Body, DestroyingACallEarlyClosesTheGenerator) {
  Application app = load_app("generator");
  {
    Call call = app.call(make_request("/early"));
    Piece piece;
    ASSERT_EQ(call.next(piece), Step::kBody);
    EXPECT_EQ(piece.body, "gen1,");
    EXPECT_EQ(py_state(), "{}");
  }  // ~Call: generator.close() runs its finally
  EXPECT_EQ(py_state(), "{'generator_finally': ['/early']}");
}

TEST_F(Body, MovedCallsKeepWorking) {
  Application app = load_app("generator");
  Call moved;
  {
    Call call = app.call(make_request("/moved"));
    moved = std::move(call);
    EXPECT_TRUE(call.finished());  // NOLINT(bugprone-use-after-move): moved-from is finished
  }
  EXPECT_TRUE(moved.started());
  EXPECT_EQ(moved.status(), "200 OK");
  Piece piece;
  ASSERT_EQ(moved.next(piece), Step::kBody);
  EXPECT_EQ(piece.body, "gen1,");
  Call again(std::move(moved));
  ASSERT_EQ(again.next(piece), Step::kBody);
  EXPECT_EQ(piece.body, "gen2");
  EXPECT_EQ(again.next(piece), Step::kDone);
  EXPECT_EQ(again.next(piece), Step::kDone);  // final
  again.finish();
  again.finish();  // idempotent
  EXPECT_EQ(py_state(), "{'generator_finally': ['/moved']}");
}

TEST_F(Body, StartResponseInsideTheGenerator) {
  Response r = run_app("late_start");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.status, "202 Accepted");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].value, "yes");
  EXPECT_EQ(r.body, "late");

  Response after = run_app("late_start_after_empty");
  ASSERT_EQ(after.last, Step::kDone) << log_text();
  EXPECT_EQ(after.pieces, std::vector<std::string>{"after empties"});

  Response empty = run_app("late_start_empty");
  ASSERT_EQ(empty.last, Step::kDone);
  EXPECT_EQ(empty.code, 204);
  EXPECT_EQ(empty.body, "");
}

TEST_F(Body, CloseThatRaisesIsLogged) {
  Response r = run_app("close_raises");
  EXPECT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.body, "body");
  std::string log = log_text();
  EXPECT_NE(log.find("Error handling request /close_raises\nTraceback"), std::string::npos) << log;
  EXPECT_NE(log.find("\nOSError: close failed\n"), std::string::npos) << log;
}

// --- wsgi.file_wrapper -----------------------------------------------------------------------

std::string g_file_path;
int g_seen_fds = 0;

void check_file_piece(const FilePiece& file) {
  struct stat by_fd, by_path;
  ASSERT_EQ(::fstat(file.fd, &by_fd), 0);
  ASSERT_EQ(::stat(g_file_path.c_str(), &by_path), 0);
  EXPECT_EQ(by_fd.st_ino, by_path.st_ino);  // the app's own file, still open during the Call
  ++g_seen_fds;
}

TEST_F(Body, FileWrapperOverARegularFileGivesAFilePiece) {
  g_file_path = apps_dir() + "/payload.bin";
  write_file(g_file_path, "0123456789abcdef");
  Application app = load_app("file_app");
  for (const auto& [mode, offset] : {std::pair{std::string(":3"), 3}, std::pair{std::string(":5:raw"), 5}}) {
    g_seen_fds = 0;
    std::string query = g_file_path + mode;
    Response r = run(app, make_request("/file", query), check_file_piece);
    ASSERT_EQ(r.last, Step::kDone) << log_text();
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].offset, offset) << mode;  // tell(), not the buffered reader's fd position
    EXPECT_EQ(r.files[0].count, -1);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(g_seen_fds, 1);
    EXPECT_TRUE(r.committed);
    // finish() called the wrapper's close(), which closed the file.
    EXPECT_EQ(run_app("file_state").body, "True");
  }
}

TEST_F(Body, FileWrapperOverAReaderIteratesBlocks) {
  Response r = run_app("nonfile_wrapper");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_TRUE(r.files.empty());
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"0123", "4567", "89"}));
  EXPECT_EQ(py_state(), "{'reads': [4, 4, 4, 4], 'reader_closed': [True]}");
}

TEST_F(Body, FileWrapperOverBytesIOOrAPipeIteratesBlocks) {
  Response b = run_app("bytesio_wrapper");
  ASSERT_EQ(b.last, Step::kDone);
  EXPECT_TRUE(b.files.empty());
  EXPECT_EQ(b.pieces, (std::vector<std::string>{"abc", "def", "ghi", "j"}));

  Response p = run_app("pipe_wrapper");
  ASSERT_EQ(p.last, Step::kDone) << log_text();
  EXPECT_TRUE(p.files.empty());
  EXPECT_EQ(p.pieces, (std::vector<std::string>{"throu", "gh a ", "pipe"}));
}

TEST_F(Body, FileWrapperIsIterableByOtherCode) {
  Response r = run_app("wrapped_by_middleware");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.body, "xyz123");
  EXPECT_EQ(r.known_length, 6);
}

}  // namespace
}  // namespace wc::app::python::testing
