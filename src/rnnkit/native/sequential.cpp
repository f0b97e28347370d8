// One training step's gradients for a whole stack, and the fused optimizer updates.
//
// stack_gradients: forward, loss and backward (BPTT) of a Sequential model made of recurrent layers
// (SimpleRNN / LSTM / GRU, each feeding its whole output sequence to the next, the last one giving its
// final output) followed by Dense layers, in one call: no autograd graph, no Python between the layers.
// At tutorial size (batch 32, 10 steps, 32 units) the arithmetic of a step is a few microseconds, and the
// autograd engine and per-layer Python around the kernels cost several times the kernels themselves.
// The math is that of the layers (rnnkit/layers) and losses (rnnkit/train/losses.py); tests hold the
// loss and every gradient equal to autograd's.
//
// stack_predict: the same stack's forward pass alone, for predict().
//
// grouped_stack_gradients / grouped_stack_predict: the same for S independent stacks at once (the groups of
// rnnkit.layers.grouped: one small model per series, or the members of an ensemble), the groups spread
// over the threads.
//
// adam_update / rmsprop_update: the update rules of rnnkit/train/optimizers.py as one loop over each
// tensor instead of six `torch._foreach` calls.
//
// adam_pass: many training steps (a whole epoch of a small model) in one call: each batch's gradients,
// then its Adam update, with no Python in between.

#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "recurrent.h"
#include "sequential.h"

namespace {

enum Cell : int64_t { kTanh = 0, kRelu = 1, kLSTM = 2, kGRU = 3 };
enum Activation : int64_t { kLinear = 0, kReluAct = 1, kTanhAct = 2, kSigmoid = 3 };
enum LossKind : int64_t { kMSE = 0, kMAE = 1, kGaussian = 2, kQuantile = 3 };

// Dense layers are small next to the recurrent ones (the tutorial's maps 32 values to 1): up to this many
// multiply-adds they run as plain loops (an ATen call costs 2-4 us of dispatch), above it as ATen products
constexpr int64_t kSmallDense = int64_t(1) << 16;

template <typename T> inline T activation_value(T z, int64_t act) {
  switch (act) {
    case kReluAct: return z > 0 ? z : T(0);
    case kTanhAct: return std::tanh(z);
    case kSigmoid: return T(1) / (T(1) + std::exp(-z));
    default: return z;
  }
}

// d act / dz from the activation's output y = act(z)
template <typename T> inline T activation_slope(T y, int64_t act) {
  switch (act) {
    case kReluAct: return y > 0 ? T(1) : T(0);
    case kTanhAct: return T(1) - y * y;
    case kSigmoid: return y * (T(1) - y);
    default: return T(1);
  }
}

at::Tensor zeros(at::IntArrayRef sizes, const at::TensorOptions& options) {
  auto out = at::empty(sizes, options);  // at::zeros dispatches a fill: ~1.5 us at these sizes
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "zeros", [&] {
    std::fill(out.data_ptr<scalar_t>(), out.data_ptr<scalar_t>() + out.numel(), scalar_t(0));
  });
  return out;
}

// y (B, O) = act(x (B, I) W^T + b), W (O, I); b empty for a layer without bias.
at::Tensor dense_forward(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t act) {
  const auto B = x.size(0), I = x.size(1), O = w.size(0);
  const bool small = B * I * O <= kSmallDense;
  // the product: plain loops when small, ATen's (MKL) when large; then the activation in place
  auto y = small ? at::empty({B, O}, x.options()) : (b.numel() > 0 ? at::addmm(b, x, w.t()) : at::mm(x, w.t()));
  const auto xc = x.contiguous(), wc = w.contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "dense_forward", [&] {
    scalar_t* yp = y.data_ptr<scalar_t>();
    if (small) {
      const scalar_t* xp = xc.data_ptr<scalar_t>();
      const scalar_t* wp = wc.data_ptr<scalar_t>();
      const scalar_t* bp = b.numel() > 0 ? b.data_ptr<scalar_t>() : nullptr;
      for (int64_t r = 0; r < B; ++r)
        for (int64_t o = 0; o < O; ++o) {
          scalar_t sum = bp != nullptr ? bp[o] : scalar_t(0);
          for (int64_t i = 0; i < I; ++i) sum += xp[r * I + i] * wp[o * I + i];
          yp[r * O + o] = sum;
        }
    }
    for (int64_t j = 0; j < B * O; ++j) yp[j] = activation_value(yp[j], act);
  });
  return y;
}

// From dL/dy of a Dense layer (input x, output y, weight W): {dL/dx, dL/dW, dL/db (undefined without bias)}.
std::vector<at::Tensor> dense_backward(const at::Tensor& grad_y, const at::Tensor& x, const at::Tensor& y,
                                       const at::Tensor& w, bool bias, int64_t act) {
  const auto B = x.size(0), I = x.size(1), O = w.size(0);
  const auto xc = x.contiguous(), wc = w.contiguous(), gc = grad_y.contiguous(), yc = y.contiguous();
  auto dz = at::empty({B, O}, x.options());  // dL/dz, z = x W^T + b
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "dense_grad_z", [&] {
    const scalar_t* gp = gc.data_ptr<scalar_t>();
    const scalar_t* yp = yc.data_ptr<scalar_t>();
    scalar_t* dzp = dz.data_ptr<scalar_t>();
    for (int64_t j = 0; j < B * O; ++j) dzp[j] = gp[j] * activation_slope(yp[j], act);
  });
  if (B * I * O > kSmallDense) return {dz.mm(w), dz.t().mm(x), bias ? dz.sum(0) : at::Tensor()};
  auto dx = zeros({B, I}, x.options());
  auto dw = zeros({O, I}, x.options());
  auto db = bias ? zeros({O}, x.options()) : at::Tensor();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "dense_backward", [&] {
    const scalar_t* xp = xc.data_ptr<scalar_t>();
    const scalar_t* wp = wc.data_ptr<scalar_t>();
    const scalar_t* dzp = dz.data_ptr<scalar_t>();
    scalar_t* dxp = dx.data_ptr<scalar_t>();
    scalar_t* dwp = dw.data_ptr<scalar_t>();
    scalar_t* dbp = bias ? db.data_ptr<scalar_t>() : nullptr;
    for (int64_t r = 0; r < B; ++r)
      for (int64_t o = 0; o < O; ++o) {
        const scalar_t d = dzp[r * O + o];
        if (dbp != nullptr) dbp[o] += d;
        for (int64_t i = 0; i < I; ++i) {
          dwp[o * I + i] += d * xp[r * I + i];
          dxp[r * I + i] += d * wp[o * I + i];
        }
      }
  });
  return {dx, dw, db};
}

// What one recurrent layer's forward pass keeps for its backward pass.
struct RecurrentRun {
  at::Tensor h0, c0;              // (B, H)
  std::vector<at::Tensor> saved;  // the forward kernel's outputs (hs first, time-major; x time-major last)
};

// The forward pass of the whole stack, with what its backward pass needs.
struct StackForward {
  std::vector<RecurrentRun> runs;
  std::vector<at::Tensor> dense_in, dense_out;  // the last output is the prediction
};

// cells: [w_ih, w_hh, b_ih, b_hh] per recurrent layer (modes: Cell); dense: [weight (O, I), bias (O) or an
// empty tensor] per Dense layer (activations: Activation). x (B, T, F).
StackForward stack_forward(const at::Tensor& x, const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                           const std::vector<int64_t>& activations, const std::vector<at::Tensor>& dense) {
  const auto B = x.size(0), T = x.size(1);
  const auto L = static_cast<int64_t>(modes.size()), D = static_cast<int64_t>(activations.size());
  StackForward f;
  // ---- recurrent layers, each reading the previous one's outputs (B, T, H)
  f.runs.resize(L);
  at::Tensor h = x;
  for (int64_t l = 0; l < L; ++l) {
    const auto& w_ih = cells[4 * l];
    const auto& w_hh = cells[4 * l + 1];
    const auto& b_ih = cells[4 * l + 2];
    const auto& b_hh = cells[4 * l + 3];
    auto& run = f.runs[l];
    run.h0 = zeros({B, w_hh.size(1)}, x.options());
    if (modes[l] == kLSTM) {
      run.c0 = zeros(run.h0.sizes(), x.options());
      run.saved = lstm_forward(h, run.h0, run.c0, w_ih, w_hh, b_ih + b_hh);
    } else if (modes[l] == kGRU) {
      run.saved = gru_forward(h, run.h0, w_ih, w_hh, b_ih, b_hh);
    } else {
      run.saved = rnn_forward(h, run.h0, w_ih, w_hh, b_ih + b_hh, modes[l] == kRelu);
    }
    h = run.saved[0].transpose(0, 1);  // (B, T, H), a view of the time-major outputs
  }
  // ---- Dense layers on the last step's output
  f.dense_in.resize(D);
  f.dense_out.resize(D);
  at::Tensor a = f.runs[L - 1].saved[0].select(0, T - 1);  // (B, H)
  for (int64_t d = 0; d < D; ++d) {
    f.dense_in[d] = a;
    a = dense_forward(a, dense[2 * d], dense[2 * d + 1], activations[d]);
    f.dense_out[d] = a;
  }
  return f;
}

}  // namespace

// The predictions (B, O) of the stack (see stack_forward) for x (B, T, F): inference in one call.
at::Tensor stack_predict(const at::Tensor& x, const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                         const std::vector<int64_t>& activations, const std::vector<at::Tensor>& dense) {
  at::NoGradGuard no_grad;
  return stack_forward(x, modes, cells, activations, dense).dense_out.back();
}

// One training step's loss and gradients for the stack (see stack_forward) on x (B, T, F), y (B, O).
// Returns [loss (0-dim), prediction (B, O), gradients...], the gradients in the order of the layers'
// parameters: w_ih, w_hh, b_ih (and b_hh for the GRU, whose second bias is a parameter), then each Dense
// layer's weight and bias.
std::vector<at::Tensor> stack_gradients(const at::Tensor& x, const at::Tensor& y, const std::vector<int64_t>& modes,
                                        const std::vector<at::Tensor>& cells, const std::vector<int64_t>& activations,
                                        const std::vector<at::Tensor>& dense, int64_t loss_kind,
                                        const std::vector<double>& quantiles) {
  at::NoGradGuard no_grad;
  const auto B = x.size(0), T = x.size(1);
  const auto L = static_cast<int64_t>(modes.size()), D = static_cast<int64_t>(activations.size());
  auto f = stack_forward(x, modes, cells, activations, dense);
  auto& runs = f.runs;
  auto& dense_in = f.dense_in;
  auto& dense_out = f.dense_out;
  at::Tensor a = dense_out.back();
  // ---- loss (mean over every entry, as the losses with Keras's reduction) and its gradient. Distributional
  // losses read K outputs per target, (B, O/K, K) flattened: kGaussian (μ, raw σ; σ = softplus(raw) + 1e-4,
  // loss log σ + (y − μ)²/2σ², as GaussianNLL), kQuantile (one output per quantile, the pinball loss)
  a = a.contiguous();
  at::Tensor grad = at::empty_like(a);
  at::Tensor loss;
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "stack_loss", [&] {
    const auto yc = y.contiguous();
    const scalar_t* p = a.data_ptr<scalar_t>();
    const scalar_t* t = yc.data_ptr<scalar_t>();
    scalar_t* g = grad.data_ptr<scalar_t>();
    const int64_t n = a.numel();
    double total = 0;  // a handful of entries: one loop, not four operator calls
    int64_t count = n;  // what the mean divides by
    if (loss_kind == kGaussian) {
      count = n / 2;  // targets
      const scalar_t scale = scalar_t(1) / static_cast<scalar_t>(count);
      for (int64_t i = 0; i < count; ++i) {
        const scalar_t mu = p[2 * i], raw = p[2 * i + 1];
        const bool linear = raw > scalar_t(20);  // softplus's threshold, as PyTorch's
        const scalar_t sigma = (linear ? raw : static_cast<scalar_t>(std::log1p(std::exp(raw)))) + scalar_t(1e-4);
        const scalar_t z = (t[i] - mu) / sigma;
        total += std::log(sigma) + scalar_t(0.5) * z * z;
        const scalar_t dsoftplus = linear ? scalar_t(1) : scalar_t(1) / (scalar_t(1) + std::exp(-raw));
        g[2 * i] = -z / sigma * scale;                                     // ∂/∂μ = −z/σ
        g[2 * i + 1] = (scalar_t(1) - z * z) / sigma * dsoftplus * scale;  // ∂/∂σ = (1 − z²)/σ, then softplus'
      }
    } else if (loss_kind == kQuantile) {
      const auto K = static_cast<int64_t>(quantiles.size());
      const scalar_t scale = scalar_t(1) / static_cast<scalar_t>(n);
      for (int64_t i = 0; i < n / K; ++i) {
        for (int64_t j = 0; j < K; ++j) {
          const auto q = static_cast<scalar_t>(quantiles[j]);
          const scalar_t e = t[i] - p[i * K + j];
          total += std::max(q * e, (q - scalar_t(1)) * e);
          // ∂/∂e: q above, q − 1 below, their mean at a tie (torch.maximum splits the gradient there)
          const scalar_t slope = e > 0 ? q : (e < 0 ? q - scalar_t(1) : q - scalar_t(0.5));
          g[i * K + j] = -slope * scale;
        }
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const scalar_t e = p[i] - t[i];
        if (loss_kind == kMAE) {
          total += std::abs(e);
          g[i] = static_cast<scalar_t>((e > 0) - (e < 0)) / static_cast<scalar_t>(n);
        } else {
          total += e * e;  // squared in the model's precision: one that overflows is inf, as in PyTorch
          g[i] = scalar_t(2) * e / static_cast<scalar_t>(n);
        }
      }
    }
    const double mean = total / static_cast<double>(count);
    const bool overflow = std::abs(mean) > static_cast<double>(std::numeric_limits<scalar_t>::max());
    loss = at::scalar_tensor(overflow ? std::numeric_limits<scalar_t>::infinity() : static_cast<scalar_t>(mean),
                             a.options());
  });
  // ---- backward, Dense layers from the top
  std::vector<at::Tensor> dense_grads;  // top layer first, bias before weight: reversed at the end
  for (int64_t d = D - 1; d >= 0; --d) {
    const bool bias = dense[2 * d + 1].numel() > 0;
    auto g = dense_backward(grad, dense_in[d], dense_out[d], dense[2 * d], bias, activations[d]);
    if (bias) dense_grads.push_back(g[2]);
    dense_grads.push_back(g[1]);  // (O, I)
    grad = g[0];                  // (B, I)
  }
  // ---- backward through time, recurrent layers from the top: the top one gets dL/dh_T, each lower one
  // the gradient of every step's output
  std::vector<std::vector<at::Tensor>> cell_grads(L);
  at::Tensor grad_out;  // (B, T, H) for the layer being differentiated
  for (int64_t l = L - 1; l >= 0; --l) {
    const auto& w_ih = cells[4 * l];
    const auto& w_hh = cells[4 * l + 1];
    const auto& run = runs[l];
    at::Tensor grad_hn;
    if (l == L - 1) {
      grad_hn = grad;
      grad_out = zeros({B, T, w_hh.size(1)}, x.options());
    } else {
      grad_hn = zeros(run.h0.sizes(), x.options());
    }
    std::vector<at::Tensor> g;
    if (modes[l] == kLSTM) {
      const auto& s = run.saved;
      const auto grad_cn = zeros(run.h0.sizes(), x.options());
      g = lstm_backward(grad_out, grad_hn, grad_cn, s[3], run.h0, run.c0, w_ih, w_hh, s[0], s[1], s[2], l > 0);
      cell_grads[l] = {g[3], g[4], g[5]};  // dw_ih, dw_hh, db
    } else if (modes[l] == kGRU) {
      const auto& s = run.saved;
      g = gru_backward(grad_out, grad_hn, s[3], run.h0, w_ih, w_hh, s[0], s[1], s[2], l > 0);
      cell_grads[l] = {g[2], g[3], g[4], g[5]};  // dw_ih, dw_hh, db_ih, db_hh
    } else {
      g = rnn_backward(grad_out, grad_hn, run.saved[1], run.h0, w_ih, w_hh, run.saved[0], modes[l] == kRelu, l > 0);
      cell_grads[l] = {g[2], g[3], g[4]};  // dw_ih, dw_hh, db
    }
    grad_out = g[0];  // dL/dx (B, T, F): the outputs of the layer below
  }
  std::vector<at::Tensor> result = {loss, a};
  for (const auto& g : cell_grads) result.insert(result.end(), g.begin(), g.end());
  result.insert(result.end(), dense_grads.rbegin(), dense_grads.rend());
  return result;
}

namespace {

// Group s of tensors that carry a leading group axis (an empty tensor, a Dense layer without bias, stays
// empty).
std::vector<at::Tensor> group_of(const std::vector<at::Tensor>& tensors, int64_t s) {
  std::vector<at::Tensor> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) out.push_back(t.numel() > 0 ? t.select(0, s) : t);
  return out;
}

// One task per group on the threads of ATen's pool: each group's products are small (that is why they are
// grouped), so a group runs on one thread, whole, rather than every product being split across threads.
template <typename Run> void each_group(int64_t groups, Run run) {
  at::parallel_for(0, groups, 1, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s) run(s);
  });
}

}  // namespace

// stack_gradients for S independent stacks: x (B, S, T, F), y (B, S, O); every weight in cells and dense has
// a leading group axis S. Group s learns from x[:, s] and y[:, s] alone. Returns [loss, prediction (B, S, O),
// gradients...] as stack_gradients does, the loss summed over the groups (Σ_s of each group's mean) and each
// gradient with its leading group axis.
std::vector<at::Tensor> grouped_stack_gradients(const at::Tensor& x, const at::Tensor& y,
                                                const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                                                const std::vector<int64_t>& activations,
                                                const std::vector<at::Tensor>& dense, int64_t loss_kind,
                                                const std::vector<double>& quantiles) {
  at::NoGradGuard no_grad;
  const auto S = x.size(1);
  std::vector<std::vector<at::Tensor>> per_group(S);
  each_group(S, [&](int64_t s) {
    per_group[s] = stack_gradients(x.select(1, s), y.select(1, s), modes, group_of(cells, s), activations,
                                   group_of(dense, s), loss_kind, quantiles);
  });
  std::vector<at::Tensor> result;
  for (size_t k = 0; k < per_group[0].size(); ++k) {
    std::vector<at::Tensor> parts;
    for (const auto& g : per_group) parts.push_back(g[k]);
    if (k == 0) result.push_back(at::stack(parts).sum());  // the summed loss
    else result.push_back(at::stack(parts, k == 1 ? 1 : 0));  // prediction (B, S, O); gradients (S, ...)
  }
  return result;
}

// The predictions (B, S, O) of S independent stacks (see grouped_stack_gradients) for x (B, S, T, F).
at::Tensor grouped_stack_predict(const at::Tensor& x, const std::vector<int64_t>& modes,
                                 const std::vector<at::Tensor>& cells, const std::vector<int64_t>& activations,
                                 const std::vector<at::Tensor>& dense) {
  at::NoGradGuard no_grad;
  const auto S = x.size(1);
  std::vector<at::Tensor> per_group(S);
  each_group(S, [&](int64_t s) {
    per_group[s] = stack_predict(x.select(1, s), modes, group_of(cells, s), activations, group_of(dense, s));
  });
  return at::stack(per_group, 1);
}

namespace {

template <typename T, typename Update>
void each_entry(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                const std::vector<at::Tensor>& first, const std::vector<at::Tensor>* second, Update update) {
  for (size_t k = 0; k < params.size(); ++k) {
    const auto grad = grads[k].contiguous();
    for (const at::Tensor* t : {&params[k], &grad, &first[k], second != nullptr ? &(*second)[k] : &first[k]})
      TORCH_CHECK(t->device().is_cpu() && t->is_contiguous() && t->numel() == params[k].numel(),
                  "fused optimizer update: every tensor must be a contiguous CPU tensor of its parameter's size");
    T* __restrict p = params[k].data_ptr<T>();
    const T* __restrict g = grad.data_ptr<T>();
    T* __restrict s1 = first[k].data_ptr<T>();
    T* __restrict s2 = second != nullptr ? (*second)[k].data_ptr<T>() : nullptr;
    const int64_t n = params[k].numel();
    for (int64_t j = 0; j < n; ++j) update(p[j], g[j], s1[j], s2 != nullptr ? s2[j] : s1[j]);
  }
}

}  // namespace

// Adam in Keras's form: m <- m + (1 - b1)(g - m); v <- b2 v + (1 - b2) g^2; p <- p - alpha m / (sqrt(v) + eps),
// alpha = lr sqrt(1 - b2^t) / (1 - b1^t) computed by the caller.
void adam_update(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                 const std::vector<at::Tensor>& m, const std::vector<at::Tensor>& v, double alpha, double beta_1,
                 double beta_2, double epsilon) {
  at::NoGradGuard no_grad;
  if (params.empty()) return;
  AT_DISPATCH_FLOATING_TYPES(params[0].scalar_type(), "adam_update", [&] {
    const auto a = static_cast<scalar_t>(alpha), w1 = static_cast<scalar_t>(1 - beta_1);
    const auto b2 = static_cast<scalar_t>(beta_2), w2 = static_cast<scalar_t>(1 - beta_2);
    const auto eps = static_cast<scalar_t>(epsilon);
    each_entry<scalar_t>(params, grads, m, &v, [&](scalar_t& p, scalar_t g, scalar_t& mj, scalar_t& vj) {
      mj += w1 * (g - mj);
      vj = vj * b2 + w2 * g * g;
      p -= a * mj / (std::sqrt(vj) + eps);
    });
  });
}

// RMSprop in Keras's form: v <- rho v + (1 - rho) g^2; p <- p - lr g / sqrt(v + eps).
void rmsprop_update(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                    const std::vector<at::Tensor>& velocity, double learning_rate, double rho, double epsilon) {
  at::NoGradGuard no_grad;
  if (params.empty()) return;
  AT_DISPATCH_FLOATING_TYPES(params[0].scalar_type(), "rmsprop_update", [&] {
    const auto lr = static_cast<scalar_t>(learning_rate), r = static_cast<scalar_t>(rho);
    const auto w = static_cast<scalar_t>(1 - rho), eps = static_cast<scalar_t>(epsilon);
    each_entry<scalar_t>(params, grads, velocity, nullptr, [&](scalar_t& p, scalar_t g, scalar_t& vj, scalar_t&) {
      vj = vj * r + w * g * g;
      p -= lr * g / std::sqrt(vj + eps);
    });
  });
}

// Adam training over a list of batches in one call (a whole epoch of a small model: at tutorial size the
// Python between two native steps costs about what a step does). Batch k: the loss and gradients of
// stack_gradients (grouped_stack_gradients when `grouped`), then adam_update of `params` with step size
// alphas[k], parameter i taking gradient picked[i] of the kernels' list (frozen parameters are left out of
// `params`). A batch whose loss is not finite stops the pass before its update. Returns the losses of the
// batches that ran (float64; the last one is not finite when the pass stopped there), then that last batch's
// gradients of `params`.
std::vector<at::Tensor> adam_pass(const std::vector<at::Tensor>& xs, const std::vector<at::Tensor>& ys,
                                  const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                                  const std::vector<int64_t>& activations, const std::vector<at::Tensor>& dense,
                                  int64_t loss_kind, const std::vector<double>& quantiles, bool grouped,
                                  const std::vector<at::Tensor>& params,
                                  const std::vector<int64_t>& picked, const std::vector<at::Tensor>& m,
                                  const std::vector<at::Tensor>& v, const std::vector<double>& alphas, double beta_1,
                                  double beta_2, double epsilon) {
  at::NoGradGuard no_grad;
  TORCH_CHECK(xs.size() == ys.size() && alphas.size() == xs.size() && picked.size() == params.size(),
              "adam_pass: one target batch and one step size per input batch, one gradient index per parameter");
  std::vector<double> losses;
  std::vector<at::Tensor> grads(params.size());
  for (size_t k = 0; k < xs.size(); ++k) {
    const auto step =
        grouped ? grouped_stack_gradients(xs[k], ys[k], modes, cells, activations, dense, loss_kind, quantiles)
                : stack_gradients(xs[k], ys[k], modes, cells, activations, dense, loss_kind, quantiles);
    for (size_t i = 0; i < params.size(); ++i) grads[i] = step[2 + picked[i]];  // after the loss and prediction
    const double loss = step[0].item<double>();
    losses.push_back(loss);
    if (!std::isfinite(loss)) break;
    adam_update(params, grads, m, v, alphas[k], beta_1, beta_2, epsilon);
  }
  std::vector<at::Tensor> result = {at::tensor(losses, at::TensorOptions().dtype(at::kDouble))};
  result.insert(result.end(), grads.begin(), grads.end());
  return result;
}
