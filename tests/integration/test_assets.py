"""scripts/resolve-asset.sh: the environment first, then ../shared, checksums enforced."""
import hashlib
import os
import shutil
import subprocess
import unittest

import rwtest

RESOLVER = os.path.join(rwtest.SOURCE_DIR, "scripts", "resolve-asset.sh")


def resolve(kind, name, **env):
    proc = subprocess.run([RESOLVER, kind, name], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "XDG_CACHE_HOME": rwtest.scratch_dir(), **env})
    return proc.returncode, proc.stdout.strip(), proc.stderr


class ResolveAsset(unittest.TestCase):
    def test_environment_directory_wins(self):
        """A file in $ROADWATCH_MEDIA_DIR is used before ../shared/media."""
        folder = rwtest.scratch_dir()
        with open(os.path.join(folder, "clip.mp4"), "wb") as f:
            f.write(b"not really a clip")
        rc, path, err = resolve("media", "clip.mp4", ROADWATCH_MEDIA_DIR=folder)
        self.assertEqual((rc, path), (0, os.path.join(folder, "clip.mp4")), err)

    def test_shared_folder_is_the_fallback(self):
        """Without the variable, the model comes from ../shared/models and is the real file."""
        rc, path, err = resolve("model", "yolox_nano.onnx", ROADWATCH_MODEL_DIR="")
        self.assertEqual(rc, 0, err)
        self.assertTrue(path.endswith("/models/yolox_nano.onnx"), path)
        self.assertGreater(os.path.getsize(path), 1_000_000)

    def test_damaged_file_is_refused(self):
        """A file whose SHA-256 differs from its folder's SHA256SUMS entry is an error."""
        folder = rwtest.scratch_dir()
        shutil.copy(rwtest.asset("media", "city-640x352.mp4"), folder)
        good = hashlib.sha256(open(os.path.join(folder, "city-640x352.mp4"), "rb").read())
        with open(os.path.join(folder, "SHA256SUMS"), "w") as f:
            f.write(f"{good.hexdigest()}  city-640x352.mp4\n")
        self.assertEqual(resolve("media", "city-640x352.mp4", ROADWATCH_MEDIA_DIR=folder)[0], 0)
        with open(os.path.join(folder, "city-640x352.mp4"), "r+b") as f:
            f.write(b"\0\0\0\0")
        rc, _, err = resolve("media", "city-640x352.mp4", ROADWATCH_MEDIA_DIR=folder)
        self.assertNotEqual(rc, 0)
        self.assertIn("does not match its SHA256SUMS entry", err)

    def test_unknown_asset_says_where_it_looked(self):
        """A name found nowhere and without a download URL fails naming the folders searched."""
        rc, path, err = resolve("media", "no-such-clip.mp4")
        self.assertNotEqual(rc, 0)
        self.assertEqual(path, "")
        self.assertIn("ROADWATCH_MEDIA_DIR", err)
        self.assertIn("shared/media", err)

    def test_bad_usage(self):
        """A kind other than model or media is a usage error (exit 2)."""
        self.assertEqual(resolve("weights", "x")[0], 2)


if __name__ == "__main__":
    unittest.main()
