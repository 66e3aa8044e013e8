// An open-file cache in the manner of nginx's open_file_cache, consulted on every static request.
//
// lookup(path, now_ms) returns a pinned handle to the file's descriptor, stat data, ETag,
// Last-Modified text and, for small regular files, the whole content in memory (so a 1 KiB
// response is one memcpy). An entry is trusted for `valid_ms` (open_file_cache_valid; here
// 1000 ms by default) and then revalidated with stat(): if the inode, device, size or mtime
// changed, the file is reopened (and reread). Failures (ENOENT, EACCES, ...) are cached for the
// same time when cache_errors is set (open_file_cache_errors). As nginx's open_file_cache
// max=N inactive=T with open_file_cache_min_uses M: at most max_entries entries (the least
// recently used goes first), an entry not used for `inactive_ms` is dropped, and a file is kept
// open only once it was asked for `min_uses` times within `inactive_ms` (before that each lookup
// opens it for that request alone and only its count is kept).
//
// Threading: a FileCache and its FileRefs belong to one thread (one per worker); no locking.
// Ownership: the cache owns every descriptor and buffer. A FileRef pins its entry: evicting or
// replacing a pinned entry only unlinks it, and its fd is closed when the last FileRef goes, so a
// sendfile() in progress never sees its descriptor closed. FileRefs must not outlive the cache.
// Bounded by max_entries with LRU eviction (evicting closes the entry's fd once unpinned).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "web/static/etag.h"

namespace wc::web::static_files {

struct FileCacheOptions {
  size_t max_entries = 10000;       // open_file_cache max=
  int64_t valid_ms = 1000;          // like open_file_cache_valid (nginx's default is 60 s)
  int64_t inactive_ms = INT64_MAX;  // open_file_cache inactive= (nginx's default is 60 s)
  uint32_t min_uses = 1;            // open_file_cache_min_uses
  size_t max_inline_bytes = 16384;  // regular files up to this size are held in memory
  bool cache_errors = true;
  size_t max_inline_total = 64 << 20;  // bytes of content held in memory, all entries together;
                                       // past it, files are served from their fd only         //
                                       // open_file_cache_errors: cache ENOENT & co too
};

struct CachedFile {
  int fd = -1;        // O_RDONLY|O_NONBLOCK|O_CLOEXEC; owned by the cache; -1 for dirs
  uint64_t size = 0;  // st_size
  int64_t mtime = 0;  // st_mtime, seconds (what ETag and Last-Modified use)
  bool is_dir = false;
  bool is_regular = false;
  bool has_content = false;  // content holds the whole file (regular, size <= max_inline_bytes)
  std::string_view content;  // the bytes when has_content
  ETag etag;                 // nginx's "<mtime hex>-<size hex>"
  std::string_view last_modified;  // "Sun, 06 Nov 1994 08:49:37 GMT"
  dev_t dev = 0;
  ino_t ino = 0;
};

class FileCache;
struct FileCacheEntry;

// A pinned entry: use like a `const CachedFile*` (->, *). Move-only; releasing it (destructor or
// reset()) unpins. Valid while the FileCache lives.
class FileRef {
 public:
  FileRef() = default;
  FileRef(FileRef&& o) noexcept : cache_(o.cache_), entry_(o.entry_) { o.entry_ = nullptr; }
  FileRef& operator=(FileRef&& o) noexcept;
  FileRef(const FileRef&) = delete;
  FileRef& operator=(const FileRef&) = delete;
  ~FileRef() { reset(); }

  void reset() noexcept;
  [[nodiscard]] const CachedFile* get() const noexcept;
  const CachedFile* operator->() const noexcept { return get(); }
  const CachedFile& operator*() const noexcept { return *get(); }
  explicit operator bool() const noexcept { return entry_ != nullptr; }

 private:
  friend class FileCache;
  FileRef(FileCache* cache, FileCacheEntry* entry) noexcept;
  FileCache* cache_ = nullptr;
  FileCacheEntry* entry_ = nullptr;
};

class FileCache {
 public:
  explicit FileCache(FileCacheOptions options = {});
  ~FileCache();
  FileCache(const FileCache&) = delete;
  FileCache& operator=(const FileCache&) = delete;

  // `path` is the filesystem path (as built by path.h); `now_ms` any monotonic clock in ms.
  // Errors carry the errno in Error::code and nginx's log text in Error::message, e.g.
  // `open() "/srv/www/x" failed (2: No such file or directory)`; map them with
  // status_for_errno(). A path containing a NUL byte is refused as ENOENT (never truncated).
  // An open() that succeeds on something neither a file nor a directory is
  // returned as is (is_regular false); the caller decides (nginx answers 404 then).
  [[nodiscard]] Result<FileRef> lookup(std::string_view path, int64_t now_ms);

  // Entries currently indexed (excluding unlinked-but-pinned ones).
  [[nodiscard]] size_t size() const noexcept { return map_.size(); }
  // Descriptors held open, including unlinked-but-pinned entries (for tests and stats).
  [[nodiscard]] size_t open_fds() const noexcept { return open_fds_; }
  // Bytes of file content held in memory, pinned entries included.
  [[nodiscard]] size_t inline_bytes() const noexcept { return inline_bytes_; }
  // Drops every unpinned entry (closing fds); pinned ones are unlinked and freed when released.
  void clear() noexcept;
  [[nodiscard]] const FileCacheOptions& options() const noexcept { return options_; }

 private:
  friend class FileRef;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept;
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  };

  void release(FileCacheEntry* e) noexcept;
  void unlink(FileCacheEntry* e) noexcept;
  void destroy(FileCacheEntry* e) noexcept;
  void touch(FileCacheEntry* e) noexcept;
  void evict_if_full() noexcept;
  Status load(FileCacheEntry* e);
  void expire_inactive(int64_t now_ms) noexcept;
  Result<FileRef> load_once(std::string_view path);
  void link_front(FileCacheEntry* e) noexcept;
  [[nodiscard]] bool still_valid(FileCacheEntry* e);

  FileCacheOptions options_;
  std::unordered_map<std::string, FileCacheEntry*, Hash, Eq> map_;
  FileCacheEntry* lru_head_ = nullptr;  // most recently used
  FileCacheEntry* lru_tail_ = nullptr;
  size_t open_fds_ = 0;
  size_t inline_bytes_ = 0;
};

// How nginx's static handler answers and logs a failed open (one place for the whole server).
enum class ErrnoLogLevel : unsigned char { crit = 3, error = 4 };  // nginx's numbering
struct ErrnoStatus {
  int status;           // 404, 403 or 500
  ErrnoLogLevel level;  // error for 404/403, crit for 500
};
// ENOENT, ENOTDIR, ENAMETOOLONG -> 404; EACCES, EPERM, ELOOP, EMLINK -> 403; else 500 at crit.
// (nginx skips logging the 404 when log_not_found is off; that is the caller's switch.)
[[nodiscard]] ErrnoStatus status_for_errno(int err) noexcept;

}  // namespace wc::web::static_files
