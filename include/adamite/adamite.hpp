// Everything a user needs, in one include.
#pragma once

#include "adamite/autograd.hpp"
#include "adamite/nn/activation.hpp"
#include "adamite/nn/dropout.hpp"
#include "adamite/nn/flatten.hpp"
#include "adamite/nn/linear.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/nn/sequential.hpp"
#include "adamite/ops/activation.hpp"
#include "adamite/ops/dropout.hpp"
#include "adamite/ops/elementwise.hpp"
#include "adamite/ops/loss.hpp"
#include "adamite/ops/matmul.hpp"
#include "adamite/ops/reduce.hpp"
#include "adamite/ops/shape.hpp"
#include "adamite/random.hpp"
#include "adamite/tensor.hpp"
