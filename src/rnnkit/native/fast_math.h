// Element functions the compiler can vectorise (no library call, no branch), shared by the kernels.
//
// fast_exp: Cephes' single-precision polynomial after the reduction x = n ln 2 + r, |r| <= ln2 / 2 (n rounded
// by the 1.5 * 2^23 trick), then 2^n from the exponent bits; relative error ~2e-7 on the clamped range.
// Double precision keeps std::exp (its results are compared with PyTorch's at 1e-10 by the tests).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace rnnkit_native {

union FloatBits {
  float f;
  int32_t i;
};

inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  FloatBits scale;
  scale.i = (static_cast<int32_t>(n) + 127) << 23;
  return y * scale.f;
}
inline double fast_exp(double x) { return std::exp(x); }

template <typename T> inline T sigmoid(T v) { return T(1) / (T(1) + fast_exp(-v)); }
// tanh(v) = 1 - 2 / (exp(2v) + 1): exact at +-inf, absolute error ~1e-7 in single precision
template <typename T> inline T tanh_(T v) { return T(1) - T(2) / (fast_exp(T(2) * v) + T(1)); }
inline double tanh_(double v) { return std::tanh(v); }

}  // namespace rnnkit_native
