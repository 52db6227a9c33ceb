#include "train_args.hpp"

#include "adamite/optim/schedule.hpp"
#include "commands.hpp"

namespace adamite::cli {

void add_train_options(CLI::App* cmd, TrainArgs& args) {
  std::vector<std::string> optimizer_names;
  for (const auto& o : optim::optimizer_registry()) optimizer_names.push_back(o.name);
  optimizer_names.push_back("sfo");  // not a step(gradient) optimizer: train_sfo.hpp

  add_model_and_dataset_options(cmd, args.model, args.dataset);
  cmd->add_option("--optimizer", args.optimizer,
                  "Optimizer (--list-optimizers shows each one's defaults)")
      ->check(CLI::IsMember(optimizer_names))
      ->capture_default_str();
  cmd->add_flag("--list-optimizers", args.list_optimizers,
                "List the optimizers and their defaults, then exit");
  cmd->add_option("--lr", args.hyper.lr, "Learning rate (default: the optimizer's)")
      ->check(positive());
  cmd->add_option("--beta1", args.hyper.beta1, "Adam's beta1")->check(number_in(0.0, 1.0));
  cmd->add_option("--beta2", args.hyper.beta2, "Adam's beta2")->check(number_in(0.0, 1.0));
  cmd->add_option("--eps", args.hyper.eps, "Adam's epsilon")->check(positive());
  cmd->add_option("--momentum", args.hyper.momentum, "Momentum (SGD, RMSProp)")
      ->check(number_in(0.0, 1.0));
  cmd->add_option("--rho", args.hyper.rho,
                  "Decay of the squared-gradient average (RMSProp, AdaDelta)")
      ->check(number_in(0.0, 1.0));
  cmd->add_flag("--centered", args.centered,
                "RMSProp: normalise by the gradient's variance estimate");
  cmd->add_option("--weight-decay", args.hyper.weight_decay, "L2 penalty added to the gradient")
      ->check(non_negative());
  cmd->add_flag("--no-bias-correction", args.no_bias_correction, "Adam without bias correction");
  cmd->add_option("--epochs", args.epochs, "Passes over the training set")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--batch-size", args.batch_size, "Minibatch size")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-steps", args.max_steps, "Stop after this many optimizer steps")
      ->check(positive());
  add_seed_option(*cmd, args.seed, "Seed for weights, dropout and data order");
  cmd->add_flag("--no-shuffle", args.no_shuffle, "Keep the file order of the training set");
  cmd->add_option("--dropout", args.dropout,
                  "Hidden/fc-layer dropout of the MLP and CNN (0 turns all dropout off)")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--input-dropout", args.input_dropout,
                  "Input dropout of the MLP and CNN (default 0.2, or 0 with --dropout 0)")
      ->check(number_in(0.0, 1.0));
  cmd->add_option("--schedule", args.schedule,
                  std::string("Learning-rate schedule: ") + optim::kScheduleForms +
                      ", or plateau:F:P (xF once more than P epochs in a row bring no lower "
                      "validation loss, as PyTorch's ReduceLROnPlateau; needs --validation)")
      ->capture_default_str();
  cmd->add_option("--warmup", args.warmup, "Linear learning-rate warm-up over this many steps")
      ->check(non_negative());
  cmd->add_option("--clip-grad-norm", args.clip_grad_norm,
                  "Clip the gradients' joint L2 norm to this before every step (0: off)")
      ->check(non_negative());
  cmd->add_option("--label-smoothing", args.label_smoothing,
                  "Train on (1 - e)·one-hot + e/classes targets, as PyTorch's "
                  "CrossEntropyLoss(label_smoothing=e); the test loss stays plain cross-entropy")
      ->check(number_in(0.0, 1.0));
  cmd->add_option("--validation", args.validation,
                  "Hold out this many training examples (drawn with --seed), score them after "
                  "every epoch, and --save the weights of the epoch with the lowest validation "
                  "loss")
      ->check(non_negative());
  cmd->add_option("--early-stop", args.early_stop,
                  "With --validation: stop after this many epochs without a lower validation loss")
      ->check(non_negative());
  cmd->add_option("--augment", args.augment,
                  "Augment training images as they are read: crop:P (pad P pixels, crop at "
                  "random), flip (mirror at random), cutout:S (zero an SxS square at random, "
                  "after --whiten), both (crop:4,flip), or a list, e.g. crop:4,flip,cutout:16")
      ->check(augmentation_spec())
      ->capture_default_str();
  cmd->add_option(
      "--average", args.average,
      "Evaluate and save a temporal average of the weights: ema:BETA (bias-corrected) or polyak "
      "(BatchNorm statistics are recomputed for it over an epoch of the training batches, "
      "augmentation included)");
  cmd->add_option("--whiten", args.whiten,
                  "Input preprocessing fitted on the training set: zca, standardize, none (auto: "
                  "zca for cifar10)")
      ->check(CLI::IsMember(kWhitenChoices))
      ->capture_default_str();
  add_precision_option(*cmd, args.precision);
  add_threads_option(
      *cmd, args.threads,
      "OpenMP threads (default: all cores, or those the launcher bound this process to)");
  cmd->add_option("--micro-batches", args.micro_batches,
                  "Split each minibatch (each process's share under MPI) into this many parts, "
                  "run one after another with gradients summed: same result, less memory")
      ->check(positive())
      ->capture_default_str();
  cmd->add_flag("--rank-order-reduce", args.rank_order_reduce,
                "Under MPI: sum gradients in rank order, bitwise equal to one process with "
                "--micro-batches (processes x micro-batches); costs processes x the traffic");
  cmd->add_option("--mpi-timeout", args.mpi_timeout,
                  "Under MPI: seconds to wait in a collective for the other processes before "
                  "stopping (default 600, or ADAMITE_MPI_TIMEOUT)")
      ->check(positive());
  cmd->add_option(
         "--log", args.log,
         "Write a CSV row per epoch: epoch,step,train_loss,test_loss,test_accuracy,seconds")
      ->check(non_empty_path());
  cmd->add_option("--plot", args.plot,
                  "Draw the loss and accuracy curves as an SVG, updated after every epoch (a "
                  "resumed run reads its earlier epochs from --log)")
      ->check(non_empty_path());
  cmd->add_option("--save", args.save, "Save the trained weights as .safetensors")
      ->check(non_empty_path());
  cmd->add_option("--init", args.init, "Start from weights in a .safetensors file")
      ->check(non_empty_path());
  cmd->add_option("--checkpoint", args.checkpoint,
                  "Save weights, optimizer, data position and random state to this folder "
                  "(atomically; also on SIGINT/SIGTERM)")
      ->check(non_empty_path());
  cmd->add_option("--checkpoint-every", args.checkpoint_every,
                  "When to checkpoint: 'epoch' or every N optimizer steps")
      ->capture_default_str();
  cmd->add_option(
         "--resume", args.resume,
         "Continue the run checkpointed in this folder, with the options stored in it (options "
         "given again must match, except that --epochs and --max-steps may grow)")
      ->check(non_empty_path());
}

}  // namespace adamite::cli
