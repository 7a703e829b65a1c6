"""Bad models and bad media stop the pipeline with a clear error: no hang, crash or passthrough."""
import os
import random
import re
import unittest

import make_models
import rwtest

TIMEOUT = 30
YOLODETECT_ERROR = "ERROR: from element /GstPipeline:pipeline0/GstYoloDetect:yolodetect0:"

# case -> (must yolodetect post the error?, regex the output must contain, case-insensitive).
# "{path}" stands for the offending file's path. Adjust wording here only.
EXPECTED = {
    "model_unset":           (True, r"model-file"),
    "model_missing":         (True, r"{path}"),
    "not_onnx":              (True, r"not an ONNX model"),
    "undecodable_layout":    (True, r"1\s*[x×,]\s*10\s*[x×,]\s*7"),
    "truncated_faststart":   (True, r"truncated"),
    "truncated_moov_at_end": (False, r"no playable streams|incomplete|truncated"),
    "corrupt":               (False, r"Could not determine type"),
    "gray8_caps":            (False, r"could not link|not-negotiated"),
    "audio_caps":            (False, r"could not link|not-negotiated"),
}

TESTSRC = "videotestsrc num-buffers=2 ! video/x-raw,format=BGR,width=64,height=64"
FILE_PIPELINE = ("filesrc location={path} ! decodebin ! "
                 "yolodetect model-file={model} label-file={labels} classes=\"\" ! "
                 "metaconvert ! filesink location={out}")


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        cls.dir = rwtest.scratch_dir()
        cls.models = make_models.build(cls.dir)
        cls.clip = rwtest.asset("media", "highway-1280x720.mp4")

    def assert_fails(self, case, pipeline, path="", **paths):
        """Run `pipeline`; it must fail cleanly, within TIMEOUT, with EXPECTED[case]'s message."""
        from_yolodetect, pattern = EXPECTED[case]
        rc, out = rwtest.gst_launch(pipeline, TIMEOUT, path=path, **paths)
        self.assertGreater(rc, 0, f"expected a failure exit status (negative = signal):\n{out}")
        self.assertNotIn(rc, (134, 139), f"crashed:\n{out}")
        self.assertNotIn("CRITICAL", out)
        self.assertRegex(out, re.compile(pattern.replace("{path}", re.escape(path)), re.I))
        if from_yolodetect:
            self.assertIn(YOLODETECT_ERROR, out)

    def truncated_copy(self, src, name):
        """The first 40 % of the bytes of src."""
        dst = os.path.join(self.dir, name)
        with open(src, "rb") as f:
            data = f.read()
        with open(dst, "wb") as f:
            f.write(data[:len(data) * 2 // 5])
        return dst

    def file_fails(self, case, path):
        """FILE_PIPELINE on `path` must fail as EXPECTED[case]; returns the records written."""
        out = path + ".jsonl"
        self.assert_fails(case, FILE_PIPELINE, path=path, model=self.models["yolov5"],
                          labels=self.models["labels"], out=out)
        return rwtest.read_jsonl(out) if os.path.exists(out) else []

    def test_model_unset(self):
        """No model-file: error at start naming the property."""
        self.assert_fails("model_unset", f"{TESTSRC} ! yolodetect ! fakesink")

    def test_model_missing(self):
        """A model path that does not exist: error naming the path."""
        self.assert_fails("model_missing", f"{TESTSRC} ! yolodetect model-file={{path}} ! fakesink",
                          path=os.path.join(self.dir, "no-such-model.onnx"))

    def test_not_onnx(self):
        """A text file called .onnx: error saying it is not an ONNX model."""
        path = os.path.join(self.dir, "text.onnx")
        with open(path, "w") as f:
            f.write("this is not a model\n" * 50)
        self.assert_fails("not_onnx", f"{TESTSRC} ! yolodetect model-file={{path}} ! fakesink",
                          path=path)

    def test_undecodable_layout(self):
        """A valid ONNX model with a 1x10x7 output: error quoting the shape."""
        self.assert_fails("undecodable_layout",
                          f"{TESTSRC} ! yolodetect model-file={{path}} ! fakesink",
                          path=self.models["undecodable"])

    def test_truncated_faststart(self):
        """Faststart MP4 cut at 40 %: frames before the cut are kept, then a "truncated" error."""
        faststart = os.path.join(self.dir, "faststart.mp4")
        rwtest.run_ok("filesrc location={clip} ! qtdemux ! h264parse ! "
                      "mp4mux faststart=true ! filesink location={out}",
                      clip=self.clip, out=faststart)
        cut = self.truncated_copy(faststart, "cut-faststart.mp4")
        records = self.file_fails("truncated_faststart", cut)
        self.assertTrue(0 < len(records) < 450, f"{len(records)} records before the cut")

    def test_truncated_moov_at_end(self):
        """Regular MP4 cut at 40 % (no moov): demuxer error, no hang."""
        self.file_fails("truncated_moov_at_end", self.truncated_copy(self.clip, "cut.mp4"))

    def test_corrupt(self):
        """Random bytes: typefind error, no hang."""
        path = os.path.join(self.dir, "corrupt.mp4")
        with open(path, "wb") as f:
            f.write(random.Random(1234).randbytes(200_000))
        self.file_fails("corrupt", path)

    def test_gray8_caps(self):
        """GRAY8 video is refused at link/negotiation time."""
        self.assert_fails("gray8_caps", "videotestsrc num-buffers=2 ! video/x-raw,format=GRAY8 ! "
                          "yolodetect model-file={model} ! fakesink", model=self.models["yolov5"])

    def test_audio_caps(self):
        """Audio is refused at link/negotiation time."""
        self.assert_fails("audio_caps", "audiotestsrc num-buffers=2 ! "
                          "yolodetect model-file={model} ! fakesink", model=self.models["yolov5"])


if __name__ == "__main__":
    unittest.main()
