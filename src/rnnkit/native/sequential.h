// The model-level kernels of sequential.cpp (a stack of layers, grouped stacks, optimizer updates, a whole
// Adam pass), for the module's bindings (module.cpp).
#pragma once

#include <torch/extension.h>

#include <vector>

std::vector<at::Tensor> stack_gradients(const at::Tensor& x, const at::Tensor& y, const std::vector<int64_t>& modes,
                                        const std::vector<at::Tensor>& cells, const std::vector<int64_t>& activations,
                                        const std::vector<at::Tensor>& dense, int64_t loss_kind,
                                        const std::vector<double>& quantiles);
at::Tensor stack_predict(const at::Tensor& x, const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                         const std::vector<int64_t>& activations, const std::vector<at::Tensor>& dense);
std::vector<at::Tensor> grouped_stack_gradients(const at::Tensor& x, const at::Tensor& y,
                                                const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                                                const std::vector<int64_t>& activations,
                                                const std::vector<at::Tensor>& dense, int64_t loss_kind,
                                        const std::vector<double>& quantiles);
at::Tensor grouped_stack_predict(const at::Tensor& x, const std::vector<int64_t>& modes,
                                 const std::vector<at::Tensor>& cells, const std::vector<int64_t>& activations,
                                 const std::vector<at::Tensor>& dense);
void adam_update(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                 const std::vector<at::Tensor>& m, const std::vector<at::Tensor>& v, double alpha, double beta_1,
                 double beta_2, double epsilon);
void rmsprop_update(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                    const std::vector<at::Tensor>& velocity, double learning_rate, double rho, double epsilon);
std::vector<at::Tensor> adam_pass(const std::vector<at::Tensor>& xs, const std::vector<at::Tensor>& ys,
                                  const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                                  const std::vector<int64_t>& activations, const std::vector<at::Tensor>& dense,
                                  int64_t loss_kind, const std::vector<double>& quantiles, bool grouped,
                                  const std::vector<at::Tensor>& params,
                                  const std::vector<int64_t>& picked, const std::vector<at::Tensor>& m,
                                  const std::vector<at::Tensor>& v, const std::vector<double>& alphas, double beta_1,
                                  double beta_2, double epsilon);
