# Build rule for the mail intake benchmark, used with the main Makefile:
#   make -f Makefile -f bench/mail_ingest.mk build/bench/mail_ingest
# Like bench/kb_search.mk it links the optimized objects of build/rel (everything but
# main.o) through a static archive, so only the objects the benchmark needs are pulled in.
# The archive rule is the one of kb_search.mk; it is defined here only when that file was
# not read first, so both can be given on one command line.
ifeq ($(filter bench/kb_search.mk,$(MAKEFILE_LIST)),)
build/bench/librel.a: $(rel_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^
endif

build/bench/mail_ingest: bench/mail_ingest.c build/bench/librel.a
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(WARN) $(OPT_CFLAGS) $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS)
