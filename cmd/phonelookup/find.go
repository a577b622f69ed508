package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/phonelookup/phonelookup/internal/termtext"
	"github.com/phonelookup/phonelookup/lookup"
)

func cmdFind(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("find", e, &c)
	region := fs.String("region", "", "region of a PHONE written without + (default $PHONE_DEFAULT_REGION)")
	asJSON := fs.Bool("json", false, "print JSON")
	caller := fs.String("caller", "", "who asks, for the audit line (default: the OS user)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("find takes one PHONE (quote it if it has spaces)")
	}
	who, err := callerName(e, *caller)
	if err != nil {
		return err
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	phone, err := a.Phones.Normalize(pos[0], *region)
	if err != nil {
		return usagef("cannot normalise the phone number (give it with + and country code, or --region): %w", err)
	}
	links, err := a.Store.FindByPhone(ctx, phone)
	// A search is a person's read of personal data: audited, found or not.
	audit(e).Str("command", "find").Str("caller", who).Str("phone", lookup.MaskPhone(phone)).
		Int("results", len(links)).Bool("done", err == nil).Msg("phone searched")
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(struct {
			Phone     string            `json:"phone"`
			Customers []lookup.LinkView `json:"customers"`
		}{phone, lookup.Views(links)})
	}
	fmt.Fprintf(e.stdout, "%s: %d customer(s)\n", phone, len(links))
	if len(links) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COGNITO ID\tLAST SEEN\tLAST ORDER\tFIRST SEEN\tFIRST ORDER\tSOURCES\tVIA")
	for _, l := range links { // every field from an event is escaped: an id can hold ESC [2J
		last, lastOrder, first, firstOrder := lookup.FormatTime(l.LastSeenAt), l.LastOrderID, lookup.FormatTime(l.FirstSeenAt), l.FirstOrderID
		if l.Legacy() { // no order: imported from a legacy lookup record, ranked last
			last, lastOrder, first, firstOrder = "(legacy record)", "-", "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termtext.Escape(l.CognitoID), last, termtext.Escape(lastOrder),
			first, termtext.Escape(firstOrder), termtext.Escape(strings.Join(l.Sources, ",")), termtext.Escape(strings.Join(l.Via, ",")))
	}
	return tw.Flush()
}

func cmdUnlink(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("unlink", e, &c)
	user := fs.String("user", "", "the customer's Cognito id")
	phoneArg := fs.String("phone", "", "the phone number")
	region := fs.String("region", "", "region of a PHONE written without + (default $PHONE_DEFAULT_REGION)")
	caller := fs.String("caller", "", "who asks, for the audit line (default: the OS user)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *user == "" || *phoneArg == "" {
		return usagef("unlink needs --user ID and --phone PHONE")
	}
	if err := lookup.ValidateCognitoID(*user); err != nil {
		return &usageError{err: err}
	}
	who, err := callerName(e, *caller)
	if err != nil {
		return err
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	phone, err := a.Phones.Normalize(*phoneArg, *region)
	if err != nil {
		return usagef("cannot normalise the phone number: %w", err)
	}
	err = a.Store.Unlink(ctx, *user, phone)
	audit(e).Str("command", "unlink").Str("caller", who).Str("cognitoId", *user).Str("phone", lookup.MaskPhone(phone)).
		Bool("done", err == nil).Msg("link unlinked")
	if err != nil {
		if errors.Is(err, lookup.ErrNotFound) {
			return fmt.Errorf("no link between %s and %s", *user, phone)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "unlinked %s from %s\n", *user, phone)
	return nil
}
