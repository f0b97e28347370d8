// The gated linear scan of scan.cpp: h_t = h_{t-1} + u_t * (v_t - h_{t-1}), forward and backward.
// Shapes: u, v, hs, grad_hs (B, T, H) batch-first and contiguous; h0 (B, H).
#pragma once

#include <torch/extension.h>

#include <vector>

at::Tensor gated_scan_forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& h0);
std::vector<at::Tensor> gated_scan_backward(const at::Tensor& grad_hs, const at::Tensor& u, const at::Tensor& v,
                                            const at::Tensor& hs, const at::Tensor& h0);

// The gates and the scan in one pass (mode 0: minGRU, pre = [z | h~], 2H wide; mode 1: minLSTM,
// pre = [f | i | h~], 3H wide); keep (B, T) of 0/1 or an empty tensor (every step real).
at::Tensor gate_scan_forward(const at::Tensor& pre, const at::Tensor& h0, const at::Tensor& keep, int64_t mode);
std::vector<at::Tensor> gate_scan_backward(const at::Tensor& grad_hs, const at::Tensor& pre, const at::Tensor& hs,
                                           const at::Tensor& h0, const at::Tensor& keep, int64_t mode);
