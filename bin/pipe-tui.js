#!/usr/bin/env node
import '../dist/pipe-tui.js';
