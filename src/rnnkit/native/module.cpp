// The Python module rnnkit_native: the kernels of recurrent.cpp and sequential.cpp.

#include <torch/extension.h>

#include "recurrent.h"

std::vector<at::Tensor> stack_gradients(const at::Tensor& x, const at::Tensor& y, const std::vector<int64_t>& modes,
                                        const std::vector<at::Tensor>& cells, const std::vector<int64_t>& activations,
                                        const std::vector<at::Tensor>& dense, int64_t loss_kind);
at::Tensor stack_predict(const at::Tensor& x, const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                         const std::vector<int64_t>& activations, const std::vector<at::Tensor>& dense);
std::vector<at::Tensor> grouped_stack_gradients(const at::Tensor& x, const at::Tensor& y,
                                                const std::vector<int64_t>& modes, const std::vector<at::Tensor>& cells,
                                                const std::vector<int64_t>& activations,
                                                const std::vector<at::Tensor>& dense, int64_t loss_kind);
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
                                  int64_t loss_kind, bool grouped, const std::vector<at::Tensor>& params,
                                  const std::vector<int64_t>& picked, const std::vector<at::Tensor>& m,
                                  const std::vector<at::Tensor>& v, const std::vector<double>& alphas, double beta_1,
                                  double beta_2, double epsilon);

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("rnn_forward", &rnn_forward);
  m.def("rnn_backward", &rnn_backward);
  m.def("lstm_forward", &lstm_forward);
  m.def("lstm_backward", &lstm_backward);
  m.def("gru_forward", &gru_forward);
  m.def("gru_backward", &gru_backward);
  m.def("stack_gradients", &stack_gradients);
  m.def("stack_predict", &stack_predict);
  m.def("grouped_stack_gradients", &grouped_stack_gradients);
  m.def("grouped_stack_predict", &grouped_stack_predict);
  m.def("adam_update", &adam_update);
  m.def("rmsprop_update", &rmsprop_update);
  m.def("adam_pass", &adam_pass);
}
