package api

import (
	"context"
	"net/http"

	"github.com/argus-go/argus/internal/argus"
)

// Owned serves the list, create, read, update and delete of one kind of
// object that belongs to the caller — filters, timeslots, profiles, phone
// numbers — the same way for each: T is the domain object, J its JSON.
// Every store call is scoped to the caller, so another user's object is a
// 404 like a missing one. The kind supplies how it is stored, decoded and
// rendered; the order of the steps (404 before the body is read, 201 on
// create, 204 on delete) is here once.
type Owned[T, J any] struct {
	// List, Get and Delete are the store's, scoped to the user.
	List   func(ctx context.Context, userID int64) ([]T, error)
	Get    func(ctx context.Context, userID, id int64) (T, error)
	Delete func(ctx context.Context, userID, id int64) error
	// Create decodes a new object of u from the body and stores it.
	Create func(r *http.Request, u *argus.User, b Body) (T, error)
	// Update decodes the body over cur, the object as it is, and stores
	// the result: with full (PUT) the body must say everything, without
	// (PATCH) any subset.
	Update func(r *http.Request, u *argus.User, cur T, b Body, full bool) (T, error)
	// Render is the object's JSON.
	Render func(*T) J
}

// Collection is the methods of the list path (…/filters/).
func (o Owned[T, J]) Collection() Methods {
	return Methods{http.MethodGet: o.listAll, http.MethodPost: o.createOne}
}

// Item is the methods of an object's path (…/filters/<pk>/).
func (o Owned[T, J]) Item() Methods {
	return Methods{
		http.MethodGet: o.getOne, http.MethodPut: o.updateOne, http.MethodPatch: o.updateOne,
		http.MethodDelete: o.deleteOne,
	}
}

func (o Owned[T, J]) listAll(w http.ResponseWriter, r *http.Request) error {
	list, err := o.List(r.Context(), UserFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	out := make([]J, len(list))
	for i := range list {
		out[i] = o.Render(&list[i])
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (o Owned[T, J]) createOne(w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	v, err := o.Create(r, UserFrom(r.Context()), b)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, o.Render(&v))
	return nil
}

func (o Owned[T, J]) getOne(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	v, err := o.Get(r.Context(), UserFrom(r.Context()).ID, id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, o.Render(&v))
	return nil
}

func (o Owned[T, J]) updateOne(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	u := UserFrom(r.Context())
	cur, err := o.Get(r.Context(), u.ID, id)
	if err != nil {
		return err
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	v, err := o.Update(r, u, cur, b, r.Method == http.MethodPut)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, o.Render(&v))
	return nil
}

func (o Owned[T, J]) deleteOne(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	if err := o.Delete(r.Context(), UserFrom(r.Context()).ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
