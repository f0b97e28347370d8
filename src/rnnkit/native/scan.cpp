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

#include <ATen/Parallel.h>

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

template <typename scalar_t>
inline scalar_t sigmoid(scalar_t a) { return scalar_t(1) / (scalar_t(1) + std::exp(-a)); }

}  // namespace

at::Tensor gate_scan_forward(const at::Tensor& pre_in, const at::Tensor& h0_in, const at::Tensor& keep_in,
                             int64_t mode) {
  auto pre = pre_in.contiguous(), h0 = h0_in.contiguous();
  auto keep = keep_in.numel() ? keep_in.to(pre.scalar_type()).contiguous() : keep_in;
  const int64_t B = pre.size(0), T = pre.size(1), H = h0.size(1), G = mode == 0 ? 2 : 3;
  auto hs = at::empty({B, T, H}, pre.options());
  AT_DISPATCH_FLOATING_TYPES(pre.scalar_type(), "gate_scan_forward", [&] {
    const scalar_t* P = pre.data_ptr<scalar_t>();
    const scalar_t* H0 = h0.data_ptr<scalar_t>();
    const scalar_t* K = keep.numel() ? keep.data_ptr<scalar_t>() : nullptr;
    scalar_t* HS = hs.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const scalar_t* prev = H0 + b * H;
        for (int64_t t = 0; t < T; ++t) {
          const scalar_t* p = P + (b * T + t) * G * H;
          const scalar_t* v = p + (G - 1) * H;
          const scalar_t k = K ? K[b * T + t] : scalar_t(1);
          scalar_t* out = HS + (b * T + t) * H;
          for (int64_t j = 0; j < H; ++j) {
            scalar_t u;
            if (mode == 0) {
              u = sigmoid(p[j]);
            } else {
              const scalar_t f = sigmoid(p[j]), i = sigmoid(p[H + j]);
              u = i / (f + i);
            }
            out[j] = prev[j] + k * u * (v[j] - prev[j]);
          }
          prev = out;
        }
      }
    });
  });
  return hs;
}

std::vector<at::Tensor> gate_scan_backward(const at::Tensor& grad_in, const at::Tensor& pre_in, const at::Tensor& hs_in,
                                           const at::Tensor& h0_in, const at::Tensor& keep_in, int64_t mode) {
  auto g = grad_in.contiguous(), pre = pre_in.contiguous(), hs = hs_in.contiguous(), h0 = h0_in.contiguous();
  auto keep = keep_in.numel() ? keep_in.to(pre.scalar_type()).contiguous() : keep_in;
  const int64_t B = pre.size(0), T = pre.size(1), H = h0.size(1), G = mode == 0 ? 2 : 3;
  auto dpre = at::empty_like(pre), dh0 = at::empty_like(h0);
  AT_DISPATCH_FLOATING_TYPES(pre.scalar_type(), "gate_scan_backward", [&] {
    const scalar_t* GR = g.data_ptr<scalar_t>();
    const scalar_t* P = pre.data_ptr<scalar_t>();
    const scalar_t* HS = hs.data_ptr<scalar_t>();
    const scalar_t* H0 = h0.data_ptr<scalar_t>();
    const scalar_t* K = keep.numel() ? keep.data_ptr<scalar_t>() : nullptr;
    scalar_t* DP = dpre.data_ptr<scalar_t>();
    scalar_t* DH0 = dh0.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        scalar_t* carry = DH0 + b * H;
        for (int64_t j = 0; j < H; ++j) carry[j] = 0;
        for (int64_t t = T - 1; t >= 0; --t) {
          const int64_t step = b * T + t;
          const scalar_t* p = P + step * G * H;
          const scalar_t* v = p + (G - 1) * H;
          scalar_t* dp = DP + step * G * H;
          scalar_t* dv = dp + (G - 1) * H;
          const scalar_t* prev = t > 0 ? HS + (step - 1) * H : H0 + b * H;
          const scalar_t* grad = GR + step * H;
          const scalar_t k = K ? K[step] : scalar_t(1);
          for (int64_t j = 0; j < H; ++j) {
            const scalar_t c = grad[j] + carry[j];
            scalar_t u;
            const scalar_t du = c * k * (v[j] - prev[j]);
            if (mode == 0) {
              u = sigmoid(p[j]);
              dp[j] = du * u * (scalar_t(1) - u);
            } else {
              const scalar_t f = sigmoid(p[j]), i = sigmoid(p[H + j]), s = f + i;
              u = i / s;
              dp[j] = -du * i * f * (scalar_t(1) - f) / (s * s);
              dp[H + j] = du * f * i * (scalar_t(1) - i) / (s * s);
            }
            dv[j] = c * k * u;
            carry[j] = c * (scalar_t(1) - k * u);
          }
        }
      }
    });
  });
  return {dpre, dh0};
}
