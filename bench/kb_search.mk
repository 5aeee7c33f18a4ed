# Build rules for the help-center search benchmarks, used with the main Makefile:
#   make -f Makefile -f bench/kb_search.mk build/bench/kb_search build/bench/kb_quality
# They link the optimized objects of build/rel (everything but main.o), like unit tests do,
# through a static archive so that only the objects the benchmark needs are pulled in.
build/bench/librel.a: $(rel_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^

build/bench/%: bench/%.c build/bench/librel.a
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(WARN) $(OPT_CFLAGS) $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS)
