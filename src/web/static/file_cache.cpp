#include "web/static/file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>

namespace wc::web::static_files {

struct FileCacheEntry {
  std::string path;  // NUL-terminated copy of the key, for open()/stat()
  CachedFile file;
  std::unique_ptr<char[]> content;
  char last_modified[32] = {};
  int64_t mtime_ns = 0;  // full-resolution mtime, to notice changes within one second
  int64_t checked_ms = 0;
  int64_t used_ms = 0;    // last lookup (inactive)
  uint32_t uses = 0;      // lookups while in the cache (min_uses)
  bool counting = false;  // only counts uses: the file is not kept open yet (min_uses)
  Error error;            // error.code != 0: a cached failure
  uint32_t refs = 0;
  bool linked = false;  // in map_ and the LRU list
  FileCacheEntry* prev = nullptr;
  FileCacheEntry* next = nullptr;
};

namespace {

int64_t mtime_ns_of(const struct stat& st) noexcept {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"; once per load, so gmtime_r's cost does not matter.
size_t format_last_modified(int64_t t, char* out) noexcept {
  static constexpr char kDays[] = "SunMonTueWedThuFriSat";
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  if (gmtime_r(&tt, &tm) == nullptr) return 0;
  char* p = out;
  std::memcpy(p, kDays + 3 * tm.tm_wday, 3);
  p += 3;
  *p++ = ',';
  *p++ = ' ';
  *p++ = static_cast<char>('0' + tm.tm_mday / 10);
  *p++ = static_cast<char>('0' + tm.tm_mday % 10);
  *p++ = ' ';
  std::memcpy(p, kMonths + 3 * tm.tm_mon, 3);
  p += 3;
  *p++ = ' ';
  int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) return 0;
  *p++ = static_cast<char>('0' + year / 1000);
  *p++ = static_cast<char>('0' + year / 100 % 10);
  *p++ = static_cast<char>('0' + year / 10 % 10);
  *p++ = static_cast<char>('0' + year % 10);
  *p++ = ' ';
  for (int v : {tm.tm_hour, tm.tm_min, tm.tm_sec}) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
    *p++ = ':';
  }
  p[-1] = ' ';
  std::memcpy(p, "GMT", 3);
  p += 3;
  return static_cast<size_t>(p - out);
}

}  // namespace

// ---- FileRef ----

FileRef::FileRef(FileCache* cache, FileCacheEntry* entry) noexcept : cache_(cache), entry_(entry) {
  ++entry_->refs;
}

FileRef& FileRef::operator=(FileRef&& o) noexcept {
  if (this != &o) {
    reset();
    cache_ = o.cache_;
    entry_ = o.entry_;
    o.entry_ = nullptr;
  }
  return *this;
}

void FileRef::reset() noexcept {
  if (entry_ != nullptr) {
    cache_->release(entry_);
    entry_ = nullptr;
  }
}

const CachedFile* FileRef::get() const noexcept {
  return entry_ != nullptr ? &entry_->file : nullptr;
}

// ---- FileCache ----

size_t FileCache::Hash::operator()(std::string_view s) const noexcept {
  return std::hash<std::string_view>{}(s);
}

FileCache::FileCache(FileCacheOptions options) : options_(options) {
  if (options_.max_entries == 0) options_.max_entries = 1;
}

FileCache::~FileCache() {
  // FileRefs must not outlive the cache (documented); entries still pinned are freed anyway.
  while (lru_head_ != nullptr) {
    FileCacheEntry* e = lru_head_;
    bool pinned = e->refs != 0;
    unlink(e);  // frees it unless pinned
    if (pinned) destroy(e);
  }
}

void FileCache::clear() noexcept {
  while (lru_head_ != nullptr) unlink(lru_head_);
}

void FileCache::release(FileCacheEntry* e) noexcept {
  assert(e->refs > 0);
  if (--e->refs == 0 && !e->linked) destroy(e);
}

// Takes `e` out of the index; frees it now unless a FileRef still pins it.
void FileCache::unlink(FileCacheEntry* e) noexcept {
  assert(e->linked);
  if (e->prev != nullptr) {
    e->prev->next = e->next;
  } else {
    lru_head_ = e->next;
  }
  if (e->next != nullptr) {
    e->next->prev = e->prev;
  } else {
    lru_tail_ = e->prev;
  }
  e->prev = e->next = nullptr;
  e->linked = false;
  map_.erase(e->path);
  if (e->refs == 0) destroy(e);
}

void FileCache::destroy(FileCacheEntry* e) noexcept {
  if (e->file.has_content) inline_bytes_ -= e->file.size;
  if (e->file.fd >= 0) {
    ::close(e->file.fd);
    --open_fds_;
  }
  delete e;
}

void FileCache::touch(FileCacheEntry* e) noexcept {
  if (lru_head_ == e) return;
  // Unhook, then push to the front.
  e->prev->next = e->next;
  if (e->next != nullptr) {
    e->next->prev = e->prev;
  } else {
    lru_tail_ = e->prev;
  }
  e->prev = nullptr;
  e->next = lru_head_;
  lru_head_->prev = e;
  lru_head_ = e;
}

// A file below min_uses: opened for this request alone (never linked, so freed when released).
Result<FileRef> FileCache::load_once(std::string_view path) {
  auto* once = new FileCacheEntry;
  once->path.assign(path);
  Status st = load(once);
  if (!st) {
    destroy(once);
    return std::unexpected(std::move(st.error()));
  }
  return FileRef(this, once);
}

void FileCache::expire_inactive(int64_t now_ms) noexcept {
  // The least recently used entry is at the tail: drop while it has been idle too long.
  while (lru_tail_ != nullptr && now_ms - lru_tail_->used_ms >= options_.inactive_ms) {
    unlink(lru_tail_);
  }
}

void FileCache::link_front(FileCacheEntry* e) noexcept {
  evict_if_full();
  map_.emplace(e->path, e);
  e->linked = true;
  e->next = lru_head_;
  if (lru_head_ != nullptr) lru_head_->prev = e;
  lru_head_ = e;
  if (lru_tail_ == nullptr) lru_tail_ = e;
}

void FileCache::evict_if_full() noexcept {
  while (map_.size() >= options_.max_entries && lru_tail_ != nullptr) unlink(lru_tail_);
}

Status FileCache::load(FileCacheEntry* e) {
  int fd = ::open(e->path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return sys_fail("open() \"" + e->path + "\"", err);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return sys_fail("fstat() \"" + e->path + "\"", err);
  }

  CachedFile& f = e->file;
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime = static_cast<int64_t>(st.st_mtim.tv_sec);
  f.is_dir = S_ISDIR(st.st_mode);
  f.is_regular = S_ISREG(st.st_mode);
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.etag = ETag(f.mtime, f.size);
  f.last_modified =
      std::string_view(e->last_modified, format_last_modified(f.mtime, e->last_modified));
  e->mtime_ns = mtime_ns_of(st);

  if (f.is_dir) {
    ::close(fd);  // a directory is answered with a redirect or an index: no descriptor needed
    f.fd = -1;
    return {};
  }
  f.fd = fd;
  ++open_fds_;

  if (f.is_regular && f.size <= options_.max_inline_bytes &&
      inline_bytes_ + f.size <= options_.max_inline_total) {
    e->content = std::make_unique_for_overwrite<char[]>(f.size == 0 ? 1 : f.size);
    size_t got = 0;
    while (got < f.size) {
      ssize_t n = ::pread(fd, e->content.get() + got, f.size - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == f.size) {
      f.has_content = true;
      f.content = std::string_view(e->content.get(), f.size);
      inline_bytes_ += f.size;
    } else {
      // The file shrank under us: serve it from the descriptor; the next revalidation reloads.
      e->content.reset();
    }
  }
  return {};
}

bool FileCache::still_valid(FileCacheEntry* e) {
  struct stat st;
  if (::stat(e->path.c_str(), &st) != 0) return false;
  const CachedFile& f = e->file;
  return st.st_ino == f.ino && st.st_dev == f.dev && static_cast<uint64_t>(st.st_size) == f.size &&
         mtime_ns_of(st) == e->mtime_ns && S_ISDIR(st.st_mode) == f.is_dir;
}

Result<FileRef> FileCache::lookup(std::string_view path, int64_t now_ms) {
  if (path.find('\0') != std::string_view::npos) {
    // open() would stop at the NUL and could open another file than the one asked for.
    return sys_fail("open() \"" + std::string(path.substr(0, path.find('\0'))) + "\"", ENOENT);
  }
  if (options_.inactive_ms != INT64_MAX) expire_inactive(now_ms);
  uint32_t uses = 1;
  if (auto it = map_.find(path); it != map_.end()) {
    FileCacheEntry* e = it->second;
    e->used_ms = now_ms;
    if (e->counting) {
      // Asked for again before min_uses: open it for this request alone, or start keeping it.
      uses = ++e->uses;
      touch(e);
      if (uses < options_.min_uses) {
        return load_once(path);
      }
      unlink(e);
      it = map_.end();
    }
  }
  if (auto it = map_.find(path); it != map_.end()) {
    FileCacheEntry* e = it->second;
    ++e->uses;
    bool fresh = now_ms - e->checked_ms < options_.valid_ms;
    if (!fresh && e->error.code == 0 && still_valid(e)) {
      e->checked_ms = now_ms;
      fresh = true;
    }
    if (fresh) {
      touch(e);
      if (e->error.code != 0) return std::unexpected(e->error);
      return FileRef(this, e);
    }
    unlink(e);  // changed, or a cached error whose time is up: load afresh
  }

  auto* e = new FileCacheEntry;
  e->path.assign(path);
  e->checked_ms = now_ms;
  e->used_ms = now_ms;
  e->uses = uses;
  if (uses < options_.min_uses) {
    // First use of a file below min_uses: count it, serve it from a one-off entry.
    e->counting = true;
    link_front(e);
    return load_once(path);
  }
  Status st = load(e);
  if (!st) {
    if (e->file.fd >= 0) {
      ::close(e->file.fd);
      --open_fds_;
    }
    if (!options_.cache_errors) {
      delete e;
      return std::unexpected(std::move(st.error()));
    }
    e->file = CachedFile{};
    e->content.reset();
    e->error = std::move(st.error());
  }

  link_front(e);

  if (e->error.code != 0) return std::unexpected(e->error);
  return FileRef(this, e);
}

ErrnoStatus status_for_errno(int err) noexcept {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
      return {404, ErrnoLogLevel::error};
    case EACCES:
    case EPERM:
    case ELOOP:
    case EMLINK:
      return {403, ErrnoLogLevel::error};
    default:
      return {500, ErrnoLogLevel::crit};
  }
}

}  // namespace wc::web::static_files
