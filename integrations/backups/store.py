"""Where backups are kept: one directory per run under the target's directory, a retention policy, and
a git repository per customer (dulwich) holding the text configurations, one commit per change.

Layout (``root`` is ``<desk.data_dir>/backups`` unless a target names its own directory)::

    <root>/<customer>/configs.git/                 bare git repository: <target>.cfg per text target
    <root>/<customer>/<target>/20261123T020000Z-r42/<files>   the artifacts of run 42
    <root>/<customer>/<target>/.tmp-r43/           run 43 still writing (renamed when it succeeds)

Every method is blocking file I/O: callers on the event loop use ``asyncio.to_thread``. Writes to one
repository are serialised by a lock, so concurrent runs of one customer commit one after the other.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo

from integrations.backups.textconfig import unified_diff

_RUN_DIR = re.compile(r"^(\d{8}T\d{6}Z)-r(\d+)$")
_STAMP = "%Y%m%dT%H%M%SZ"
_BRANCH: Any = b"refs/heads/master"  # a dulwich Ref (a NewType of bytes in dulwich 1.x)
_AUTHOR = b"dutydesk <dutydesk@localhost>"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(path.resolve()), threading.Lock())


@dataclass(frozen=True)
class StoredArtifact:
    location: str  # the run's directory
    files: tuple[str, ...]  # file names in it
    size: int  # bytes, all files
    sha256: str  # of the file; of the manifest ("<sha256>  <name>" lines, sorted) when there are several


@dataclass(frozen=True)
class Version:
    """The outcome of versioning a text configuration."""

    changed: bool  # False: identical to the last stored version, nothing committed
    commit: str  # the commit that holds this content (new, or the existing one)
    diff: str  # masked unified diff against the previous version ("" if unchanged or the first)
    first: bool = False


@dataclass(frozen=True)
class Change:
    """The last commit that changed a target's configuration."""

    commit: str
    at: datetime
    message: str
    diff: str  # masked
    first: bool


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class BackupStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # -- artifacts ------------------------------------------------------------------------------
    def target_dir(self, customer_id: str, target_id: str, directory: str | None = None) -> Path:
        return Path(directory) if directory else self.root / customer_id / target_id

    def workdir(self, customer_id: str, target_id: str, run_id: int, directory: str | None = None) -> Path:
        """An empty directory for run ``run_id`` to write into (private to the desk's user)."""
        path = self.target_dir(customer_id, target_id, directory) / f".tmp-r{run_id}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True, mode=0o700)
        return path

    def keep(self, workdir: Path, at: datetime, run_id: int) -> StoredArtifact:
        """Make a finished run's files permanent: the work directory becomes ``<stamp>-r<id>``."""
        files = sorted(p for p in workdir.rglob("*") if p.is_file())
        if not files:
            raise FileNotFoundError("the backup produced no file")
        final = workdir.parent / f"{at.astimezone(UTC).strftime(_STAMP)}-r{run_id}"
        os.replace(workdir, final)
        names = tuple(str(p.relative_to(workdir)) for p in files)
        digests = {n: sha256_file(final / n) for n in names}
        size = sum((final / n).stat().st_size for n in names)
        if len(names) == 1:
            digest = digests[names[0]]
        else:
            manifest = "".join(f"{digests[n]}  {n}\n" for n in names)
            digest = hashlib.sha256(manifest.encode()).hexdigest()
        return StoredArtifact(str(final), names, size, digest)

    def discard(self, workdir: Path) -> None:
        shutil.rmtree(workdir, ignore_errors=True)

    def runs(self, customer_id: str, target_id: str, directory: str | None = None) -> list[tuple[datetime, int, Path]]:
        """The kept runs of a target, oldest first: (time, run id, directory)."""
        base = self.target_dir(customer_id, target_id, directory)
        if not base.is_dir():
            return []
        found = []
        for entry in base.iterdir():
            m = _RUN_DIR.match(entry.name)
            if m and entry.is_dir():
                at = datetime.strptime(m.group(1), _STAMP).replace(tzinfo=UTC)
                found.append((at, int(m.group(2)), entry))
        return sorted(found, key=lambda r: (r[0], r[1]))

    def prune(self, customer_id: str, target_id: str, now: datetime, *, keep_last: int | None,
              keep_days: int | None, directory: str | None = None) -> list[int]:
        """Apply the retention policy; returns the ids of the runs whose artifacts were deleted.

        A run is kept when it is among the newest ``keep_last`` or younger than ``keep_days`` (either
        rule keeps it); the newest run is always kept, so failing backups never empty the directory.
        """
        runs = self.runs(customer_id, target_id, directory)
        if not runs:
            return []
        keep: set[int] = {runs[-1][1]}
        if keep_last is not None:
            keep.update(r[1] for r in runs[-keep_last:])
        if keep_days is not None:
            horizon = now - timedelta(days=keep_days)
            keep.update(r[1] for r in runs if r[0] > horizon)
        deleted = []
        for _at, run_id, path in runs:
            if run_id not in keep:
                shutil.rmtree(path)
                deleted.append(run_id)
        return deleted

    # -- text configurations in git -------------------------------------------------------------
    def repo_path(self, customer_id: str) -> Path:
        return self.root / customer_id / "configs.git"

    def _repo(self, customer_id: str) -> Repo:
        path = self.repo_path(customer_id)
        if (path / "HEAD").exists():
            return Repo(str(path))
        path.mkdir(parents=True, exist_ok=True)
        return Repo.init_bare(str(path))

    @staticmethod
    def _head(repo: Repo) -> Commit | None:
        try:
            sha = repo.refs[_BRANCH]
        except KeyError:
            return None
        obj = repo[sha]
        assert isinstance(obj, Commit)
        return obj

    @staticmethod
    def _blob_of(repo: Repo, commit: Commit | None, name: bytes) -> bytes | None:
        if commit is None:
            return None
        tree = repo[commit.tree]
        assert isinstance(tree, Tree)
        if name not in tree:
            return None
        _mode, sha = tree[name]
        blob = repo[sha]
        assert isinstance(blob, Blob)
        return blob.data

    def version(self, customer_id: str, target_id: str, text: str, *, at: datetime, message: str,
                secret_patterns: Sequence[str] = ()) -> Version:
        """Commit the target's text if it differs from the stored one (identical content is never
        stored twice); the diff against the previous version comes back masked."""
        name = f"{target_id}.cfg".encode()
        data = text.encode()
        with _lock(self.repo_path(customer_id)):
            repo = self._repo(customer_id)
            try:
                head = self._head(repo)
                old = self._blob_of(repo, head, name)
                if old == data and head is not None:
                    return Version(changed=False, commit=self._last_commit_of(repo, name) or head.id.decode(), diff="")
                blob = Blob.from_string(data)
                tree = Tree()
                if head is not None:
                    old_tree = repo[head.tree]
                    assert isinstance(old_tree, Tree)
                    for entry in old_tree.items():
                        tree.add(entry.path, entry.mode, entry.sha)
                tree.add(name, stat.S_IFREG | 0o644, blob.id)
                commit = Commit()
                commit.tree = tree.id
                commit.parents = [head.id] if head is not None else []
                commit.author = commit.committer = _AUTHOR
                commit.author_time = commit.commit_time = int(at.timestamp())
                commit.author_timezone = commit.commit_timezone = 0
                commit.encoding = b"UTF-8"
                commit.message = message.encode()
                for obj in (blob, tree, commit):
                    repo.object_store.add_object(obj)
                repo.refs[_BRANCH] = commit.id
            finally:
                repo.close()
        first = old is None
        diff = "" if first else unified_diff(old.decode(errors="replace") if old else "", text,
                                             name=name.decode(), secret_patterns=secret_patterns)
        return Version(changed=True, commit=commit.id.decode(), diff=diff, first=first)

    def _last_commit_of(self, repo: Repo, name: bytes) -> str | None:
        for entry in repo.get_walker(include=[repo.refs[_BRANCH]], paths=[name], max_entries=1):
            return str(entry.commit.id.decode())
        return None

    def text_at(self, customer_id: str, target_id: str, commit: str | None = None) -> str | None:
        """The stored text of a target (at ``commit``, or the newest)."""
        if not (self.repo_path(customer_id) / "HEAD").exists():
            return None
        repo = self._repo(customer_id)
        try:
            obj = repo[commit.encode()] if commit else self._head(repo)
            if obj is None:
                return None
            assert isinstance(obj, Commit)
            data = self._blob_of(repo, obj, f"{target_id}.cfg".encode())
            return data.decode(errors="replace") if data is not None else None
        finally:
            repo.close()

    def last_change(self, customer_id: str, target_id: str, secret_patterns: Sequence[str] = ()) -> Change | None:
        """The newest commit that changed the target's text, with its masked diff."""
        if not (self.repo_path(customer_id) / "HEAD").exists():
            return None
        name = f"{target_id}.cfg".encode()
        repo = self._repo(customer_id)
        try:
            head = self._head(repo)
            if head is None:
                return None
            for entry in repo.get_walker(include=[head.id], paths=[name], max_entries=1):
                commit = entry.commit
                new = self._blob_of(repo, commit, name) or b""
                parent = repo[commit.parents[0]] if commit.parents else None
                assert parent is None or isinstance(parent, Commit)
                old = self._blob_of(repo, parent, name)
                diff = unified_diff((old or b"").decode(errors="replace"), new.decode(errors="replace"),
                                    name=name.decode(), secret_patterns=secret_patterns)
                return Change(commit=commit.id.decode(), at=datetime.fromtimestamp(commit.commit_time, UTC),
                              message=commit.message.decode(errors="replace").strip(), diff=diff,
                              first=old is None)
            return None
        finally:
            repo.close()

    def history(self, customer_id: str, target_id: str) -> list[str]:
        """Commit ids that changed the target's text, newest first."""
        if not (self.repo_path(customer_id) / "HEAD").exists():
            return []
        repo = self._repo(customer_id)
        try:
            head = self._head(repo)
            if head is None:
                return []
            return [e.commit.id.decode() for e in repo.get_walker(include=[head.id], paths=[f"{target_id}.cfg".encode()])]
        finally:
            repo.close()
