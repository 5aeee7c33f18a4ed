# Build rule for the triage quality benchmark, used with the main Makefile:
#   make -f Makefile -f bench/triage_quality.mk build/bench/triage_quality
# Links only the classifier and core objects of build/rel (it needs no server parts).
TRIAGE_BENCH_OBJS := build/rel/triage/model.o build/rel/triage/csv.o \
    $(filter build/rel/core/%,$(rel_OBJS))

build/bench/triage_quality: bench/triage_quality.c $(TRIAGE_BENCH_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(WARN) $(OPT_CFLAGS) $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS) -lm
