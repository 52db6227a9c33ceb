// adamite: train, evaluate, fetch data and reproduce the paper from the command line.
#include "adamite_cli.hpp"

int main(int argc, char** argv) {
  return adamite::cli::run(argc, argv);
}
