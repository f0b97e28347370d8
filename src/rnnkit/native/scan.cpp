// The gated linear scan behind the parallel recurrent layers (minGRU, minLSTM):
//
//   h_t = h_{t-1} + u_t * (v_t - h_{t-1}) = (1 - u_t) * h_{t-1} + u_t * v_t
//
// with the gate u and the candidate v computed from the inputs alone (one matrix product for all steps,
// before the scan). Forward: one pass over (B, T, H). Backward, with c_t = dL/dh_t in total (the output's
// gradient at t plus what flows back from t+1), a reverse scan:
//
//   c_t = g_t + (1 - u_{t+1}) * c_{t+1},   dL/du_t = c_t * (v_t - h_{t-1}),   dL/dv_t = c_t * u_t,
//   dL/dh_0 = (1 - u_1) * c_1.
//
// Rows of the batch are independent: one thread takes a block of them (ATen's parallel_for).

#include "scan.h"

#include "fast_math.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

at::Tensor gated_scan_forward(const at::Tensor& u_in, const at::Tensor& v_in, const at::Tensor& h0_in) {
  auto u = u_in.contiguous(), v = v_in.contiguous(), h0 = h0_in.contiguous();
  const int64_t B = u.size(0), T = u.size(1), H = u.size(2);
  auto hs = at::empty_like(v);
  AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "gated_scan_forward", [&] {
    const scalar_t* U = u.data_ptr<scalar_t>();
    const scalar_t* V = v.data_ptr<scalar_t>();
    const scalar_t* H0 = h0.data_ptr<scalar_t>();
    scalar_t* HS = hs.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const scalar_t* prev = H0 + b * H;
        for (int64_t t = 0; t < T; ++t) {
          const int64_t row = (b * T + t) * H;
          scalar_t* out = HS + row;
          for (int64_t j = 0; j < H; ++j) out[j] = prev[j] + U[row + j] * (V[row + j] - prev[j]);
          prev = out;
        }
      }
    });
  });
  return hs;
}

std::vector<at::Tensor> gated_scan_backward(const at::Tensor& grad_in, const at::Tensor& u_in, const at::Tensor& v_in,
                                            const at::Tensor& hs_in, const at::Tensor& h0_in) {
  auto g = grad_in.contiguous(), u = u_in.contiguous(), v = v_in.contiguous();
  auto hs = hs_in.contiguous(), h0 = h0_in.contiguous();
  const int64_t B = u.size(0), T = u.size(1), H = u.size(2);
  auto du = at::empty_like(u), dv = at::empty_like(v), dh0 = at::empty_like(h0);
  AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "gated_scan_backward", [&] {
    const scalar_t* G = g.data_ptr<scalar_t>();
    const scalar_t* U = u.data_ptr<scalar_t>();
    const scalar_t* V = v.data_ptr<scalar_t>();
    const scalar_t* HS = hs.data_ptr<scalar_t>();
    const scalar_t* H0 = h0.data_ptr<scalar_t>();
    scalar_t* DU = du.data_ptr<scalar_t>();
    scalar_t* DV = dv.data_ptr<scalar_t>();
    scalar_t* DH0 = dh0.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        scalar_t* carry = DH0 + b * H;  // dL/dh_t flowing back; ends as dL/dh_0
        for (int64_t j = 0; j < H; ++j) carry[j] = 0;
        for (int64_t t = T - 1; t >= 0; --t) {
          const int64_t row = (b * T + t) * H;
          const scalar_t* prev = t > 0 ? HS + row - H : H0 + b * H;
          for (int64_t j = 0; j < H; ++j) {
            const scalar_t c = G[row + j] + carry[j];
            DU[row + j] = c * (V[row + j] - prev[j]);
            DV[row + j] = c * U[row + j];
            carry[j] = c * (1 - U[row + j]);
          }
        }
      }
    });
  });
  return {du, dv, dh0};
}

// The gates and the scan fused: the projection pre = W x + b of every step (B, T, G·H) is read once
// forward and its gradient written once backward, with the gate u computed on the fly:
//
//   minGRU  (G = 2): u = σ(z),                  du/dz = u (1 − u)
//   minLSTM (G = 3): u = σ(i) / (σ(f) + σ(i)),   du/di = σ(f) σ(i)(1 − σ(i)) / s²,  du/df = −σ(i) σ(f)(1 − σ(f)) / s²
//
// with s = σ(f) + σ(i), v = h~ and the scan's rules above (a padded step: u = 0, the state kept).

namespace {

using rnnkit_native::sigmoid;

// One step of one row, forward: out = prev + k u (v - prev). Distinct __restrict rows and no library call
// (fast_math.h), so the compiler vectorises each loop; the mode is a template argument, not a branch.
template <int kMode, typename T>
inline void gate_step_forward(const T* __restrict p, const T* __restrict prev, T* __restrict out, T k, int64_t H) {
  constexpr int64_t G = kMode == 0 ? 2 : 3;
  const T* __restrict v = p + (G - 1) * H;
  for (int64_t j = 0; j < H; ++j) {
    T u;
    if constexpr (kMode == 0) {
      u = sigmoid(p[j]);
    } else {
      const T f = sigmoid(p[j]), i = sigmoid(p[H + j]);
      u = i / (f + i);
    }
    out[j] = prev[j] + k * u * (v[j] - prev[j]);
  }
}

// One step of one row, backward: c = grad + carry, then dpre of the step and the carry to the step before.
template <int kMode, typename T>
inline void gate_step_backward(const T* __restrict p, const T* __restrict prev, const T* __restrict grad,
                               T* __restrict carry, T* __restrict dp, T k, int64_t H) {
  constexpr int64_t G = kMode == 0 ? 2 : 3;
  const T* __restrict v = p + (G - 1) * H;
  T* __restrict dv = dp + (G - 1) * H;
  for (int64_t j = 0; j < H; ++j) {
    const T c = grad[j] + carry[j];
    const T du = c * k * (v[j] - prev[j]);
    T u;
    if constexpr (kMode == 0) {
      u = sigmoid(p[j]);
      dp[j] = du * u * (T(1) - u);
    } else {
      const T f = sigmoid(p[j]), i = sigmoid(p[H + j]), s = f + i;
      u = i / s;
      const T scale = du * f * i / (s * s);
      dp[j] = -scale * (T(1) - f);
      dp[H + j] = scale * (T(1) - i);
    }
    dv[j] = c * k * u;
    carry[j] = c * (T(1) - k * u);
  }
}

template <int kMode, typename T>
void gate_scan_forward_rows(const T* P, const T* H0, const T* K, T* HS, int64_t B, int64_t T_, int64_t H) {
  constexpr int64_t G = kMode == 0 ? 2 : 3;
  at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const T* prev = H0 + b * H;
      for (int64_t t = 0; t < T_; ++t) {
        const int64_t step = b * T_ + t;
        T* out = HS + step * H;
        gate_step_forward<kMode>(P + step * G * H, prev, out, K ? K[step] : T(1), H);
        prev = out;
      }
    }
  });
}

template <int kMode, typename T>
void gate_scan_backward_rows(const T* GR, const T* P, const T* HS, const T* H0, const T* K, T* DP, T* DH0, int64_t B,
                             int64_t T_, int64_t H) {
  constexpr int64_t G = kMode == 0 ? 2 : 3;
  at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      T* carry = DH0 + b * H;  // dL/dh_t flowing back; ends as dL/dh_0
      std::fill(carry, carry + H, T(0));
      for (int64_t t = T_ - 1; t >= 0; --t) {
        const int64_t step = b * T_ + t;
        const T* prev = t > 0 ? HS + (step - 1) * H : H0 + b * H;
        gate_step_backward<kMode>(P + step * G * H, prev, GR + step * H, carry, DP + step * G * H,
                                  K ? K[step] : T(1), H);
      }
    }
  });
}

}  // namespace

at::Tensor gate_scan_forward(const at::Tensor& pre_in, const at::Tensor& h0_in, const at::Tensor& keep_in,
                             int64_t mode) {
  auto pre = pre_in.contiguous(), h0 = h0_in.contiguous();
  auto keep = keep_in.numel() ? keep_in.to(pre.scalar_type()).contiguous() : keep_in;
  const int64_t B = pre.size(0), T = pre.size(1), H = h0.size(1);
  auto hs = at::empty({B, T, H}, pre.options());
  AT_DISPATCH_FLOATING_TYPES(pre.scalar_type(), "gate_scan_forward", [&] {
    const scalar_t* K = keep.numel() ? keep.data_ptr<scalar_t>() : nullptr;
    auto run = mode == 0 ? gate_scan_forward_rows<0, scalar_t> : gate_scan_forward_rows<1, scalar_t>;
    run(pre.data_ptr<scalar_t>(), h0.data_ptr<scalar_t>(), K, hs.data_ptr<scalar_t>(), B, T, H);
  });
  return hs;
}

std::vector<at::Tensor> gate_scan_backward(const at::Tensor& grad_in, const at::Tensor& pre_in, const at::Tensor& hs_in,
                                           const at::Tensor& h0_in, const at::Tensor& keep_in, int64_t mode) {
  auto g = grad_in.contiguous(), pre = pre_in.contiguous(), hs = hs_in.contiguous(), h0 = h0_in.contiguous();
  auto keep = keep_in.numel() ? keep_in.to(pre.scalar_type()).contiguous() : keep_in;
  const int64_t B = pre.size(0), T = pre.size(1), H = h0.size(1);
  auto dpre = at::empty_like(pre), dh0 = at::empty_like(h0);
  AT_DISPATCH_FLOATING_TYPES(pre.scalar_type(), "gate_scan_backward", [&] {
    const scalar_t* K = keep.numel() ? keep.data_ptr<scalar_t>() : nullptr;
    auto run = mode == 0 ? gate_scan_backward_rows<0, scalar_t> : gate_scan_backward_rows<1, scalar_t>;
    run(g.data_ptr<scalar_t>(), pre.data_ptr<scalar_t>(), hs.data_ptr<scalar_t>(), h0.data_ptr<scalar_t>(), K,
        dpre.data_ptr<scalar_t>(), dh0.data_ptr<scalar_t>(), B, T, H);
  });
  return {dpre, dh0};
}
