#pragma once

#include <cstddef>

namespace rw::detect {

// ONNX op type of the SiLU node rewrite_for_opencv_cpu() writes.
inline constexpr const char *kSiluOpType = "RwSiLU";

// Registers kSiluOpType with OpenCV's layer factory (once per process; later calls do
// nothing). OpenCV's own Sigmoid and Swish layers call the scalar exp() per element, which
// costs about as much as the convolutions of a nano model; this one runs silu() below and,
// being an activation layer, is fused into the convolution it follows.
void register_silu_layer();

// dst[i] = src[i] * sigmoid(src[i]) = src[i] / (1 + exp(-src[i])), to about 2e-7 relative;
// dst may equal src. Vectorised: AVX2 + FMA where the CPU has them, else silu_portable().
void silu(const float *src, float *dst, std::size_t count);
// The same with OpenCV's universal intrinsics at the build's baseline (SSE2, NEON).
void silu_portable(const float *src, float *dst, std::size_t count);

}  // namespace rw::detect
