// SiLU kernels: x * sigmoid(x) = x / (1 + exp(-x)), vectorised.
//
// exp(z) = 2^n * e^r with n = round(z / ln 2) and |r| <= ln 2 / 2; e^r comes from its degree-7
// Taylor polynomial (truncation error below 6e-9 there, so float rounding dominates); ln 2 is
// split in two so that r = z - n ln 2 loses nothing. z is clamped to +-88 so that 2^n stays a
// normal float: exp(-x) of a large negative x saturates near 1.7e38, and x / (1 + that) is
// still 0 to float precision.

#include <cmath>

#include <opencv2/core/hal/intrin.hpp>

#include "rw/detect/silu_layer.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RW_SILU_AVX2 1
#include <immintrin.h>
#endif

namespace rw::detect {
namespace {

constexpr float kExpMax = 88.0f;
constexpr float kLog2E = 1.44269504088896341f;
constexpr float kLn2High = 0.693359375f;  // exact in 10 bits
constexpr float kLn2Low = -2.12194440e-4f;
constexpr float kExponentBias = 127;
// 1/7!, 1/6!, ..., 1/1!, 1/0!: Horner order.
constexpr float kTaylor[] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24,
                             1.0f / 6,    1.0f / 2,   1.0f,       1.0f};

float silu_scalar(float x) {
  return x / (1.0f + std::exp(-x));
}

#if CV_SIMD
CV_ALWAYS_INLINE cv::v_float32 silu_vector(const cv::v_float32 &x) {
  using cv::v_float32;
  const v_float32 z = cv::v_min(cv::v_max(cv::vx_setzero_f32() - x, cv::vx_setall_f32(-kExpMax)),
                                cv::vx_setall_f32(kExpMax));
  const cv::v_int32 n = cv::v_round(z * cv::vx_setall_f32(kLog2E));
  const v_float32 nf = cv::v_cvt_f32(n);
  const v_float32 r =
      cv::v_fma(nf, cv::vx_setall_f32(-kLn2Low), cv::v_fma(nf, cv::vx_setall_f32(-kLn2High), z));
  v_float32 p = cv::vx_setall_f32(kTaylor[0]);
  for (std::size_t k = 1; k < std::size(kTaylor); ++k) {
    p = cv::v_fma(p, r, cv::vx_setall_f32(kTaylor[k]));
  }
  const cv::v_int32 biased = n + cv::vx_setall_s32(static_cast<int>(kExponentBias));
  return x / (cv::vx_setall_f32(1.0f) + p * cv::v_reinterpret_as_f32(biased << 23));
}
#endif

#ifdef RW_SILU_AVX2
// The same with AVX2 + FMA (8 lanes, fused multiply-adds): about twice the portable speed.
__attribute__((target("avx2,fma"))) void silu_avx2(const float *src, float *dst,
                                                   std::size_t count) {
  const __m256 one = _mm256_set1_ps(1.0f);
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 x = _mm256_loadu_ps(src + i);
    const __m256 z = _mm256_min_ps(
        _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), x), _mm256_set1_ps(-kExpMax)),
        _mm256_set1_ps(kExpMax));
    const __m256 nf = _mm256_round_ps(_mm256_mul_ps(z, _mm256_set1_ps(kLog2E)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 r = _mm256_fmadd_ps(nf, _mm256_set1_ps(-kLn2Low),
                                     _mm256_fmadd_ps(nf, _mm256_set1_ps(-kLn2High), z));
    __m256 p = _mm256_set1_ps(kTaylor[0]);
    for (std::size_t k = 1; k < std::size(kTaylor); ++k) {
      p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kTaylor[k]));
    }
    const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(nf),
                                            _mm256_set1_epi32(static_cast<int>(kExponentBias)));
    const __m256 two_to_n = _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23));
    _mm256_storeu_ps(dst + i, _mm256_div_ps(x, _mm256_fmadd_ps(p, two_to_n, one)));
  }
  for (; i < count; ++i) dst[i] = silu_scalar(src[i]);
}
#endif

using SiluKernel = void (*)(const float *, float *, std::size_t);

SiluKernel pick_kernel() {
#ifdef RW_SILU_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return silu_avx2;
#endif
  return silu_portable;
}

}  // namespace

void silu_portable(const float *src, float *dst, std::size_t count) {
  std::size_t i = 0;
#if CV_SIMD
  // Four independent vectors per step: the polynomial is a chain of dependent operations.
  constexpr std::size_t kLanes = cv::v_float32::nlanes;
  for (; i + 4 * kLanes <= count; i += 4 * kLanes) {
    const cv::v_float32 a = silu_vector(cv::vx_load(src + i));
    const cv::v_float32 b = silu_vector(cv::vx_load(src + i + kLanes));
    const cv::v_float32 c = silu_vector(cv::vx_load(src + i + 2 * kLanes));
    const cv::v_float32 d = silu_vector(cv::vx_load(src + i + 3 * kLanes));
    cv::vx_store(dst + i, a);
    cv::vx_store(dst + i + kLanes, b);
    cv::vx_store(dst + i + 2 * kLanes, c);
    cv::vx_store(dst + i + 3 * kLanes, d);
  }
  for (; i + kLanes <= count; i += kLanes) cv::vx_store(dst + i, silu_vector(cv::vx_load(src + i)));
#endif
  for (; i < count; ++i) dst[i] = silu_scalar(src[i]);
}

void silu(const float *src, float *dst, std::size_t count) {
  static const SiluKernel kernel = pick_kernel();
  kernel(src, dst, count);
}

}  // namespace rw::detect
